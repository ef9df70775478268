import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { startSecurityRegion, type SecurityRegion } from "./support.js";

/** OWASP API4:2023: bodies, uploads, pages and request rates are all bounded. */
describe("API4 unrestricted resource consumption", () => {
  let env: SecurityRegion;

  beforeAll(async () => {
    env = await startSecurityRegion("api4", {
      gatewayEnv: { RATE_LIMIT_API_KEY_PER_MINUTE: "50" },
    });
  }, 60_000);
  afterAll(async () => env?.close());

  it("answers 413 to a JSON body over 1 MiB", async () => {
    const response = await call(env.url, "POST", "/v1/contracts", {
      token: env.a.key.secret,
      body: { title: "big", description: "x".repeat(1_100_000) },
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 413 to an upload over 25 MiB as it streams, without taking it all", async () => {
    const size = 26 * 1024 * 1024;
    const boundary = "----clment-api4";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n` +
        "Content-Type: application/pdf\r\n\r\n",
    );
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${env.url}/v1/contracts`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${env.a.key.secret}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
        },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write(head);
      const chunk = Buffer.alloc(1024 * 1024, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    }).catch((error: NodeJS.ErrnoException) => {
      // The server may answer and close before the client finished sending.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") return { status: 413, body: "" };
      throw error;
    });
    expect(result.status).toBe(413);
    if (result.body) expect(JSON.parse(result.body).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("caps page sizes: take over 100, negative or not an integer is 400", async () => {
    for (const path of ["/v1/contracts", "/v1/key-dates", "/v1/playbooks", "/v1/reviews"]) {
      for (const take of ["101", "-1", "1.5", "abc", "100000000000000000000"]) {
        const response = await call(env.url, "GET", `${path}?take=${take}`, {
          token: env.a.key.secret,
        });
        expect({ path, take, status: response.status }).toEqual({ path, take, status: 400 });
        expect(response.body.error.code).toBe("VALIDATION_ERROR");
      }
      const max = await call(env.url, "GET", `${path}?take=100`, { token: env.a.key.secret });
      expect(max.status).toBe(200);
    }
  });

  it("limits requests per key: 429 RATE_LIMITED with Retry-After past the budget", async () => {
    let last;
    for (let i = 0; i < 60; i++) {
      last = await call(env.url, "GET", "/v1/credits", { token: env.b.key.secret });
      if (last.status === 429) break;
    }
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last!.headers.get("ratelimit-limit")).toBe("50");
  });
});
