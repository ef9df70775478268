import { createHash } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, waitFor, type TestResponse } from "@clment/testing";
import { makePdf, makePng } from "../../services/contracts/test/documents.fixtures.js";
import {
  newApiKey,
  newOrganization,
  startTestRegion,
  type NewOrganization,
} from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

async function upload(
  url: string,
  token: string,
  method: string,
  path: string,
  file: { filename: string; data: Uint8Array },
  fields: Record<string, string> = {},
): Promise<TestResponse> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  form.set("file", new Blob([file.data]), file.filename);
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

/** A multipart upload of `size` bytes, streamed without a Content-Length. */
function streamUpload(
  url: string,
  token: string,
  size: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const boundary = "e2e-boundary";
    const req = http.request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
    });
    let sent = 0;
    req.on("response", (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", () => undefined);
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.4\n`,
    );
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

describe("contracts through the gateway", () => {
  let region: RunningRegion;
  let url: string;
  let org: NewOrganization;
  let key: string;

  beforeAll(async () => {
    region = await startTestRegion("e2e_contracts");
    url = region.url;
    org = await newOrganization(url);
    key = (await newApiKey(url, org.owner.token)).secret;
  });

  afterAll(async () => {
    await region?.close();
  });

  it("uploads a PDF with an API key, reads its text, finds a page-2 phrase and downloads the same bytes", async () => {
    const pdf = await makePdf([["Cover page"], ["Page two mentions the obsidian pelican clause."]]);
    const created = await upload(url, key, "POST", "/v1/contracts", {
      filename: "deal.pdf",
      data: pdf,
    });
    expect(created.status).toBe(201);
    const contract = created.body.data.contract;
    expect(contract.document).toMatchObject({ mimeType: "application/pdf", sha256: sha256(pdf) });

    // A session works the same as a key on workspace content.
    const text = await call(url, "GET", `/v1/contracts/${contract.id}/text`, {
      token: org.owner.token,
    });
    expect(text.status).toBe(200);
    expect(text.body.data.text).toContain("obsidian pelican");

    const results = await waitFor(
      async () => {
        const found = await call(url, "GET", "/v1/search?q=obsidian%20pelican", { token: key });
        return found.body?.data?.total === 1 ? found.body.data.results : undefined;
      },
      { timeoutMs: 20_000, message: "search through the gateway" },
    );
    expect(results[0]).toMatchObject({ type: "contract", id: contract.id });

    const download = await fetch(`${url}/v1/contracts/${contract.id}/document`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(download.headers.get("content-disposition")).toContain("deal.pdf");
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(pdf));
  });

  it("answers 415 for a PNG named .pdf and 413 for 26 MiB, through the gateway", async () => {
    const png = await upload(url, key, "POST", "/v1/contracts", {
      filename: "x.pdf",
      data: makePng(),
    });
    expect(png.status).toBe(415);
    expect(png.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const big = await streamUpload(`${url}/v1/contracts`, key, 26 * 1024 * 1024);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("keeps one organization's contracts from another (404), and search too", async () => {
    const contract = (
      await call(url, "POST", "/v1/contracts", { token: key, body: { title: "Ibis contract" } })
    ).body.data.contract;
    const other = await newOrganization(url);
    for (const [method, path] of [
      ["GET", `/v1/contracts/${contract.id}`],
      ["PATCH", `/v1/contracts/${contract.id}`],
      ["DELETE", `/v1/contracts/${contract.id}`],
      ["GET", `/v1/contracts/${contract.id}/versions`],
      ["GET", `/v1/contracts/${contract.id}/text`],
    ]) {
      const response = await call(url, method!, path!, {
        token: other.owner.token,
        ...(method === "PATCH" ? { body: { title: "x" } } : {}),
      });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    await waitFor(
      async () =>
        (await call(url, "GET", "/v1/search?q=ibis", { token: key })).body?.data?.total === 1,
      { timeoutMs: 20_000, message: "the contract in the index" },
    );
    const theirs = await call(url, "GET", "/v1/search?q=ibis", { token: other.owner.token });
    expect(theirs.body.data.total).toBe(0);
  });

  it("schedules reminders in the timezone the organization set in settings", async () => {
    const patched = await call(url, "PATCH", "/v1/settings/organization", {
      token: org.owner.token,
      body: { timezone: "Europe/Paris" },
    });
    expect(patched.status).toBe(200);
    const contract = (
      await call(url, "POST", "/v1/contracts", { token: key, body: { title: "Lease" } })
    ).body.data.contract;
    const keyDate = (
      await call(url, "POST", `/v1/contracts/${contract.id}/key-dates`, {
        token: key,
        body: { kind: "expiration", date: "2031-08-20", title: "Lease ends" },
      })
    ).body.data.keyDate;
    // The settings event reaches the contracts service asynchronously.
    const reminder = await waitFor(
      async () => {
        const created = await call(url, "POST", `/v1/key-dates/${keyDate.id}/reminders`, {
          token: key,
          body: { daysBefore: 5, channels: ["email"] },
        });
        const value = created.body.data.reminder;
        if (value.fireAt === "2031-08-15T07:00:00.000Z") return value;
        await call(url, "DELETE", `/v1/reminders/${value.id}`, { token: key });
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: "the organization's timezone" },
    );
    expect(reminder.status).toBe("scheduled");
  });
});
