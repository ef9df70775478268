import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { createConsoleStatic } from "../src/console.static.js";

/** A server that hands every request to the console handler, as the gateway does (418: not its). */
async function serveFrom(dist: string): Promise<{ url: string; close(): Promise<void> }> {
  const serve = createConsoleStatic(dist);
  const server: Server = createServer((req, res) => {
    if (!serve(req.method, (req.url ?? "").split("?", 1)[0]!, res, "req-1")) {
      res.statusCode = 418;
      res.end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.close();
      await once(server, "close");
    },
  };
}

describe("the console's static files when console/dist is not built", () => {
  let server: { url: string; close(): Promise<void> };
  let url: string;

  beforeAll(async () => {
    server = await serveFrom("/nonexistent/console/dist/");
    url = server.url;
  });

  afterAll(() => server.close());

  it("answers / with a 404 envelope saying the console is not built", async () => {
    const response = await call(url, "GET", "/");
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
    expect(response.body.error.message).toContain("console is not built");
  });

  it("leaves other paths and methods to the gateway", async () => {
    expect((await call(url, "GET", "/v1/me")).status).toBe(418);
    expect((await call(url, "POST", "/")).status).toBe(418);
    expect((await call(url, "GET", "/assets/../package.json")).status).toBe(418);
  });
});

describe("the console's pages when console/dist is built", () => {
  let dir: string;
  let server: { url: string; close(): Promise<void> };
  const INDEX = '<!doctype html><script type="module" src="/assets/index-abc.js"></script>';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "clment-console-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), INDEX);
    await writeFile(join(dir, "assets", "index-abc.js"), "export {};");
    server = await serveFrom(`${dir}/`);
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the SSO redirect URI (/sso/callback?code&state) with index.html under the console's CSP", async () => {
    for (const path of ["/", "/sso/callback?code=abc&state=def&iss=https%3A%2F%2Fidp.test"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toBe(INDEX);
    }
    const asset = await fetch(`${server.url}/assets/index-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    await asset.body?.cancel();
  });

  it("leaves neighbours of the SSO path to the gateway (its 404s)", async () => {
    for (const path of ["/sso", "/sso/callback/x", "/sso/other", "/index.html"]) {
      expect({ path, status: (await call(server.url, "GET", path)).status }).toEqual({
        path,
        status: 418,
      });
    }
    expect((await call(server.url, "POST", "/sso/callback")).status).toBe(418);
  });
});
