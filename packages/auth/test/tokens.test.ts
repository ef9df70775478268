import { describe, expect, it } from "@jest/globals";
import {
  API_KEY_PREFIX,
  apiKeyDisplayPrefix,
  generateApiKey,
  generateSessionToken,
  hashSecret,
  isWellFormedApiKey,
  parseBearer,
} from "@clment/auth";

describe("API key format", () => {
  it("is clm_sk_live_ followed by 32 base62 characters", () => {
    const key = generateApiKey();
    expect(key).toMatch(/^clm_sk_live_[0-9A-Za-z]{32}$/);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("rejects a key with one character changed (checksum)", () => {
    const key = generateApiKey();
    const i = API_KEY_PREFIX.length + 5;
    const flipped = key.slice(0, i) + (key[i] === "a" ? "b" : "a") + key.slice(i + 1);
    expect(isWellFormedApiKey(flipped)).toBe(false);
  });

  it("rejects wrong length, wrong prefix and non-base62 characters", () => {
    const key = generateApiKey();
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(key.replace("clm_sk_live_", "clm_sk_test_"))).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -7) + "-" + key.slice(-6))).toBe(false);
  });

  it("makes distinct keys and shows only a short prefix", () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
    const key = generateApiKey();
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 16));
  });

  it("hashes with SHA-256", () => {
    expect(hashSecret("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("parseBearer", () => {
  it("tells keys from session tokens and rejects anything else", () => {
    const key = generateApiKey();
    const session = generateSessionToken();
    expect(parseBearer(`Bearer ${key}`)).toEqual({ kind: "api_key", token: key });
    expect(parseBearer(`bearer ${session}`)).toEqual({ kind: "session", token: session });
    expect(parseBearer(undefined)).toBeNull();
    expect(parseBearer(`Basic ${key}`)).toBeNull();
    expect(parseBearer(`Bearer ${key}x`)).toBeNull();
    expect(parseBearer("Bearer")).toBeNull();
  });
});
