import { describe, expect, it } from "@jest/globals";
import { parseRequestPath } from "../src/request-path.js";

describe("parseRequestPath", () => {
  it.each([
    ["/v1/settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/settings/../settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/%2e%2e/v1/settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/contracts/%2e%2e/settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/contracts/../settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/contracts/%252e%252e/settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/settings/api-keys/", "/v1/settings/api-keys"],
    ["//v1//settings/api-keys", "/v1/settings/api-keys"],
    ["/v1/settings%2fapi-keys", "/v1/settings/api-keys"],
    ["/v1/./settings/./api-keys", "/v1/settings/api-keys"],
    ["/../../v1/settings", "/v1/settings"],
  ])("treats %s as %s", (url, expected) => {
    expect(parseRequestPath(url)?.decision.join("/")).toBe(expected.slice(1));
    expect(parseRequestPath(url)?.forward).toBe(expected);
  });

  it("decides on the lower-cased path but forwards the original case", () => {
    const path = parseRequestPath("/V1/Settings/API-KEYS");
    expect(path?.decision).toEqual(["v1", "settings", "api-keys"]);
    expect(path?.forward).toBe("/V1/Settings/API-KEYS");
  });

  it("keeps the query string apart and untouched", () => {
    const path = parseRequestPath("/v1/contracts?q=a%2Fb&take=5");
    expect(path?.forward).toBe("/v1/contracts");
    expect(path?.search).toBe("?q=a%2Fb&take=5");
  });

  it("re-encodes decoded segments so the upstream sees the same segments", () => {
    expect(parseRequestPath("/v1/contracts/a%20b")?.forward).toBe("/v1/contracts/a%20b");
    expect(parseRequestPath("/v1/contracts/a%3Fb")?.forward).toBe("/v1/contracts/a%3Fb");
  });

  it("rejects a path with broken percent-encoding", () => {
    expect(parseRequestPath("/v1/contracts/%zz")).toBeNull();
    expect(parseRequestPath("/v1/%E0%A4%A")).toBeNull();
  });

  it("maps the root to no segments", () => {
    expect(parseRequestPath("/")?.segments).toEqual([]);
    expect(parseRequestPath("/")?.forward).toBe("/");
  });
});
