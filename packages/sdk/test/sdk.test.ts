import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import openapiTS, { astToString } from "openapi-typescript";
import { Clment, ClmentError, verifyWebhook } from "@clment/sdk";
import { signWebhook } from "@clment/webhooks";
import { newApiKey, newOrganization, startTestRegion } from "../../../e2e/src/factories.js";
import type { RunningRegion } from "../../../e2e/src/region.js";

/** A stub API that answers from a script, recording what it was sent. */
async function stubServer(answers: { status: number; headers?: Record<string, string> }[]) {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    res.end(
      answer.status < 300
        ? JSON.stringify({ data: { contract: { id: "c1" } } })
        : JSON.stringify({
            error: {
              code: answer.status === 429 ? "RATE_LIMITED" : "SERVICE_UNAVAILABLE",
              message: "later",
              requestId: "r1",
            },
          }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("@clment/sdk", () => {
  it("has types generated from the current OpenAPI document (run `pnpm openapi` after a change)", async () => {
    const document = new URL("../../../gateway/openapi.json", import.meta.url);
    const generated = astToString(await openapiTS(document));
    const committed = await readFile(new URL("../src/schema.ts", import.meta.url), "utf8");
    const normalize = (text: string) => text.replace(/\s+/g, "");
    expect(normalize(committed)).toContain(normalize(generated));
  });

  it("chooses the region's base URL, or the one given", () => {
    expect(new Clment({ region: "eu" }).baseUrl).toBe("https://eu.clment.com");
    expect(new Clment({ baseUrl: "http://localhost:7200/v1/" }).baseUrl).toBe(
      "http://localhost:7200",
    );
    expect(() => new Clment({})).toThrow(TypeError);
  });

  it("retries 429 and 503 honouring Retry-After, with one Idempotency-Key for every attempt", async () => {
    const stub = await stubServer([
      { status: 429, headers: { "retry-after": "0" } },
      { status: 503, headers: { "retry-after": "0" } },
      { status: 201 },
    ]);
    try {
      const clm = new Clment({ baseUrl: stub.url, apiKey: "k" });
      const { data } = await clm.POST("/v1/contracts", { body: { title: "x" } });
      expect(data?.data.contract.id).toBe("c1");
      expect(stub.seen).toHaveLength(3);
      const keys = stub.seen.map((req) => req.headers["idempotency-key"]);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(keys).size).toBe(1);
      // A second logical call gets its own key.
      await clm.POST("/v1/contracts", { body: { title: "y" } });
      expect(stub.seen[3]!.headers["idempotency-key"]).not.toBe(keys[0]);
    } finally {
      await stub.close();
    }
  });

  it("gives up after maxRetries with a typed error carrying code, status and request id", async () => {
    const stub = await stubServer([{ status: 503, headers: { "retry-after": "0" } }]);
    try {
      const clm = new Clment({ baseUrl: stub.url, maxRetries: 2 });
      const error = await clm.GET("/v1/me").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClmentError);
      expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503, requestId: "r1" });
      expect(stub.seen).toHaveLength(3);
    } finally {
      await stub.close();
    }
  });

  it("verifies webhook signatures", () => {
    const secret = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    const body = JSON.stringify({ id: "e1", type: "contract.created", data: {} });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signWebhook(secret, "msg_1", timestamp, body);
    expect(verifyWebhook(secret, headers, body)).toMatchObject({ id: "msg_1" });
    expect(() => verifyWebhook(secret, headers, body + " ")).toThrow();
  });

  describe("against a region", () => {
    let region: RunningRegion;
    let clm: Clment;

    beforeAll(async () => {
      region = await startTestRegion("sdk");
      const org = await newOrganization(region.url);
      const key = await newApiKey(region.url, org.owner.token);
      clm = new Clment({ baseUrl: region.url, apiKey: key.secret });
    });

    afterAll(async () => {
      await region?.close();
    });

    it("uploads a contract with its file and fields (multipart)", async () => {
      const contract = await clm.uploadContract(
        {
          file: Buffer.from("Master services agreement between us and Acme."),
          filename: "msa.txt",
        },
        { counterparty: "Acme", tags: ["msa", "2026"], value: { amount: 1200, currency: "EUR" } },
      );
      expect(contract).toMatchObject({
        title: "msa.txt",
        counterparty: "Acme",
        tags: ["msa", "2026"],
        value: { amount: 1200, currency: "EUR" },
        document: { filename: "msa.txt", mimeType: "text/plain" },
      });
    });

    it("pages through a list with the async iterator", async () => {
      for (let i = 0; i < 5; i++) {
        await clm.POST("/v1/contracts", { body: { title: `paged ${i}`, tags: ["paged"] } });
      }
      const titles: string[] = [];
      for await (const contract of clm.paginate(async (page) => {
        const data = await clm.data(
          clm.GET("/v1/contracts", { params: { query: { ...page, tag: "paged" } } }),
        );
        return { items: data.contracts, total: data.total };
      }, 2)) {
        titles.push(contract.title);
      }
      expect(titles.sort()).toEqual(["paged 0", "paged 1", "paged 2", "paged 3", "paged 4"]);
    });

    it("throws ClmentError with the API's code, status, request id and details", async () => {
      const invalid = await clm
        .GET("/v1/contracts", { params: { query: { take: 101 } } })
        .catch((e: unknown) => e);
      expect(invalid).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });
      expect((invalid as ClmentError).details?.[0]?.path).toBe("query.take");
      expect((invalid as ClmentError).requestId).toBeTruthy();
      const forbidden = await clm.GET("/v1/settings/api-keys").catch((e: unknown) => e);
      expect(forbidden).toMatchObject({ code: "API_KEY_FORBIDDEN", status: 403 });
      const anonymous = new Clment({ baseUrl: region.url, apiKey: "clm_sk_live_nope" });
      await expect(anonymous.GET("/v1/me")).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        status: 401,
      });
    });

    it("replays a retried POST once: the same Idempotency-Key creates one contract", async () => {
      const key = `idem-${Date.now()}`;
      const first = await clm.data(
        clm.POST("/v1/contracts", { body: { title: "once" }, headers: { "Idempotency-Key": key } }),
      );
      const second = await clm.data(
        clm.POST("/v1/contracts", { body: { title: "once" }, headers: { "Idempotency-Key": key } }),
      );
      expect(second.contract.id).toBe(first.contract.id);
    });
  });
});
