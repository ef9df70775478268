import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The public API description and its interactive reference, served by the gateway without
 * credentials: `GET /v1/openapi.json` (generated from the services' route schemas by
 * `pnpm openapi` into gateway/openapi.json) and `GET /docs` (Scalar, served from
 * node_modules: no CDN, works offline).
 */
export const OPENAPI_PATH = "/v1/openapi.json";
export const DOCS_PATH = "/docs";
const SCRIPT_PATH = "/docs/standalone.js";
const INIT_PATH = "/docs/init.js";

/**
 * The reference page runs only scripts of this origin (no inline script), so it can keep a
 * Content-Security-Policy; Scalar styles itself inline and draws icons as data: URLs.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const INIT_SCRIPT = `Scalar.createApiReference("#app", {
  url: "${OPENAPI_PATH}",
  withDefaultFonts: false,
  hideClientButton: false,
  telemetry: false,
});
`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Clment API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${SCRIPT_PATH}"></script>
    <script src="${INIT_PATH}"></script>
  </body>
</html>
`;

export interface ApiReference {
  /** Answers the request when it is one of the reference's paths; false otherwise. */
  handle(method: string | undefined, pathname: string, res: ServerResponse): boolean;
}

function loadDocument(): Buffer {
  return readFileSync(new URL("../openapi.json", import.meta.url));
}

function scalarScriptPath(): string {
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  return join(dirname(entry), "browser", "standalone.js");
}

export function createApiReference(): ApiReference {
  const document = loadDocument();
  const html = Buffer.from(DOCS_HTML);
  const init = Buffer.from(INIT_SCRIPT);
  let script: Buffer | undefined;
  const send = (res: ServerResponse, type: string, body: Buffer, cache: string) => {
    res.statusCode = 200;
    res.setHeader("Content-Type", type);
    res.setHeader("Content-Length", String(body.length));
    res.setHeader("Cache-Control", cache);
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (type.startsWith("text/html")) res.setHeader("Content-Security-Policy", DOCS_CSP);
    res.end(body);
  };
  return {
    handle(method, pathname, res) {
      if (method !== "GET" && method !== "HEAD") return false;
      switch (pathname) {
        case OPENAPI_PATH:
          send(res, "application/json; charset=utf-8", document, "public, max-age=300");
          return true;
        case DOCS_PATH:
        case `${DOCS_PATH}/`:
          send(res, "text/html; charset=utf-8", html, "public, max-age=300");
          return true;
        case INIT_PATH:
          send(res, "text/javascript; charset=utf-8", init, "public, max-age=300");
          return true;
        case SCRIPT_PATH:
          script ??= readFileSync(scalarScriptPath());
          send(res, "text/javascript; charset=utf-8", script, "public, max-age=86400");
          return true;
        default:
          return false;
      }
    },
  };
}
