import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call } from "@clment/testing";
import { createConsoleStatic } from "../src/console.static.js";

describe("the console's static files when console/dist is not built", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const serve = createConsoleStatic("/nonexistent/console/dist/");
    server = createServer((req, res) => {
      if (!serve(req.method, req.url ?? "", res, "req-1")) {
        res.statusCode = 418;
        res.end();
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    await once(server, "close");
  });

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
