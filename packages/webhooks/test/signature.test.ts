import { createHmac, timingSafeEqual } from "node:crypto";
import { describe, expect, it } from "@jest/globals";
import { Webhook } from "standardwebhooks";
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookHeaders,
} from "../src/index.js";

const body = JSON.stringify({
  id: "6f1c1e8e-8a6b-4c55-9a8e-1f1f0d2b6a11",
  type: "contract.created",
  createdAt: "2026-12-06T10:00:00.000Z",
  data: { contract: { id: "c1", title: "Ünïcödé MSA" } },
});
const now = () => Math.floor(Date.now() / 1000);

/**
 * A verifier written from the specification's text alone, sharing no code with the package:
 * HMAC-SHA256 over "id.timestamp.body" with the base64-decoded secret after "whsec_", base64,
 * compared with each space-separated "v1,<sig>" entry.
 */
function independentlyVerify(secret: string, headers: WebhookHeaders, raw: string): boolean {
  const key = Buffer.from(secret.split("_")[1]!, "base64");
  const content = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${raw}`;
  const expected = createHmac("sha256", key).update(content, "utf8").digest();
  return headers["webhook-signature"].split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe("webhook signatures (Standard Webhooks)", () => {
  it("generates whsec_ secrets of at least 24 random bytes", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    expect(generateWebhookSecret()).not.toBe(secret);
    expect(() => generateWebhookSecret(16)).toThrow(RangeError);
  });

  it("signs so that an independently written verifier accepts the message", () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, "msg_1", now(), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(independentlyVerify(secret, headers, body)).toBe(true);
    expect(independentlyVerify(generateWebhookSecret(), headers, body)).toBe(false);
  });

  it("agrees with the reference implementation of the specification, both ways", () => {
    const secret = generateWebhookSecret();
    const timestamp = now();
    const headers = signWebhook(secret, "msg_2", timestamp, body);
    const reference = new Webhook(secret);
    expect(reference.verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(reference.sign("msg_2", new Date(timestamp * 1000), body)).toBe(
      headers["webhook-signature"],
    );
  });

  it("verifies its own signatures and returns the parsed body", () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, "msg_3", now(), body);
    const verified = verifyWebhook(secret, headers, body);
    expect(verified.id).toBe("msg_3");
    expect(verified.payload).toEqual(JSON.parse(body));
    // Node's req.headers and fetch's Headers work as well as a plain object.
    expect(verifyWebhook(secret, new Headers({ ...headers }), Buffer.from(body)).id).toBe("msg_3");
  });

  it("rejects a bad signature, a tampered body and a wrong secret", () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, "msg_4", now(), body);
    expect(() => verifyWebhook(secret, headers, body.replace("MSA", "NDA"))).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook(generateWebhookSecret(), headers, body)).toThrow(
      "No matching signature",
    );
    const forged = { ...headers, "webhook-signature": "v1,AAAA" };
    expect(() => verifyWebhook(secret, forged, body)).toThrow("No matching signature");
    const otherId = { ...headers, "webhook-id": "msg_5" };
    expect(() => verifyWebhook(secret, otherId, body)).toThrow("No matching signature");
  });

  it("rejects a stale or future timestamp (5 minutes by default) even when signed correctly", () => {
    const secret = generateWebhookSecret();
    const stale = signWebhook(secret, "msg_6", now() - 301, body);
    expect(() => verifyWebhook(secret, stale, body)).toThrow("Message timestamp too old");
    const future = signWebhook(secret, "msg_6", now() + 301, body);
    expect(() => verifyWebhook(secret, future, body)).toThrow("Message timestamp too new");
    expect(verifyWebhook(secret, stale, body, { toleranceSeconds: 600 }).id).toBe("msg_6");
    expect(() => new Webhook(secret).verify(body, { ...stale })).toThrow();
  });

  it("rejects missing headers and a malformed timestamp", () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, "msg_7", now(), body);
    const { "webhook-id": _id, ...withoutId } = headers;
    expect(() => verifyWebhook(secret, withoutId, body)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(secret, { ...headers, "webhook-timestamp": "1e9" }, body)).toThrow(
      "Invalid webhook-timestamp",
    );
  });

  it("during a rotation signs with both secrets, and either verifies", () => {
    const previous = generateWebhookSecret();
    const current = generateWebhookSecret();
    const headers = signWebhook([current, previous], "msg_8", now(), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verifyWebhook(previous, headers, body).id).toBe("msg_8");
    expect(verifyWebhook(current, headers, body).id).toBe("msg_8");
    expect(independentlyVerify(previous, headers, body)).toBe(true);
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });
});
