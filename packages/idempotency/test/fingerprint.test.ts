import { describe, expect, it } from "@jest/globals";
import { canonicalJson, isFinalResponse, requestFingerprint } from "@clment/idempotency";

describe("canonical JSON", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}',
    );
  });
});

describe("request fingerprint", () => {
  const base = {
    method: "POST",
    url: "/v1/contracts",
    headers: {},
    body: { title: "A", tags: ["x"] },
  };

  it("is the same for the same JSON in another key order", () => {
    expect(requestFingerprint(base)).toBe(
      requestFingerprint({ ...base, body: { tags: ["x"], title: "A" } }),
    );
  });

  it("differs by method, path, query and body", () => {
    const fingerprint = requestFingerprint(base);
    expect(requestFingerprint({ ...base, method: "PUT" })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, url: "/v1/contracts/x" })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, url: "/v1/contracts?x=1" })).not.toBe(fingerprint);
    expect(requestFingerprint({ ...base, body: { title: "B", tags: ["x"] } })).not.toBe(
      fingerprint,
    );
  });

  it("compares an upload by media type and length, not by its boundary", () => {
    const upload = (boundary: string, length: string) => ({
      method: "POST",
      url: "/v1/contracts",
      body: undefined,
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": length,
      },
    });
    expect(requestFingerprint(upload("aaa", "1000"))).toBe(
      requestFingerprint(upload("bbb", "1000")),
    );
    expect(requestFingerprint(upload("aaa", "1000"))).not.toBe(
      requestFingerprint(upload("aaa", "1001")),
    );
  });

  it("tells no body from an empty JSON object", () => {
    expect(requestFingerprint({ ...base, body: undefined })).not.toBe(
      requestFingerprint({ ...base, body: {} }),
    );
  });
});

describe("which responses are kept for replay", () => {
  it("keeps success and request errors, not what depends on state, caller or a passing failure", () => {
    for (const status of [200, 201, 202, 204, 400, 404, 413, 415])
      expect(isFinalResponse(status)).toBe(true);
    for (const status of [401, 402, 403, 409, 429, 500, 502, 503])
      expect(isFinalResponse(status)).toBe(false);
  });
});
