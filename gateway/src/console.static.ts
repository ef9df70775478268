import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { AppError } from "@clment/http";
import { writeError } from "./http.errors.js";

/**
 * The admin console (console/, a React SPA built by `pnpm build` into console/dist), served by
 * the gateway of each region: `GET /` is its index.html and `GET /assets/*` its hashed files.
 * The console routes in the URL hash and talks only to this origin's `/v1` API. The one other
 * page is `GET /sso/callback`, where an identity provider sends the browser back after single
 * sign-on: it is index.html too, and the console hands the query on to the API. Without a build,
 * these pages answer 404 in the API's envelope, saying so.
 */
const CONSOLE_DIST = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** Only this origin's scripts, styles and API; no inline code, no framing, no other origin. */
const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  woff2: "font/woff2",
};

/** The paths that are the console's index.html (the SSO redirect URI is one of them). */
const PAGES = new Set(["/", "/sso/callback"]);

/** Vite's hashed asset names: one path segment, no traversal. */
const ASSET = /^\/assets\/([A-Za-z0-9_-][A-Za-z0-9._-]*)\.([a-z0-9]+)$/;

function send(res: ServerResponse, type: string, body: Buffer, cacheControl: string): void {
  res.statusCode = 200;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", String(body.length));
  res.setHeader("Cache-Control", cacheControl);
  res.setHeader("X-Content-Type-Options", "nosniff");
  if (type.startsWith("text/html")) res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  res.end(body);
}

export type ConsoleHandler = (
  method: string | undefined,
  pathname: string,
  res: ServerResponse,
  requestId: string,
) => boolean;

/**
 * A handler answering `GET /`, `GET /sso/callback` and `GET /assets/*` from `dist` (a directory
 * path ending in `/`); it returns false for any other request.
 */
export function createConsoleStatic(dist: string): ConsoleHandler {
  const cache = new Map<string, Buffer>();
  const load = async (path: string): Promise<Buffer | undefined> => {
    const cached = cache.get(path);
    if (cached) return cached;
    try {
      const body = await readFile(dist + path);
      // index.html is re-read each time (a rebuild changes it); hashed assets never change.
      if (path !== "index.html") cache.set(path, body);
      return body;
    } catch {
      return undefined;
    }
  };
  return (method, pathname, res, requestId) => {
    if (method !== "GET" && method !== "HEAD") return false;
    const asset = PAGES.has(pathname) ? undefined : ASSET.exec(pathname);
    if (!PAGES.has(pathname) && !asset) return false;
    const file = asset ? `assets/${asset[1]}.${asset[2]}` : "index.html";
    const type = asset ? TYPES[asset[2] ?? ""] : "text/html; charset=utf-8";
    void load(file).then((body) => {
      if (!body || !type) {
        const message = asset
          ? "No such console asset"
          : "The console is not built: run `pnpm build` to build console/dist";
        writeError(res, new AppError("NOT_FOUND", message), requestId);
        return;
      }
      send(res, type, body, asset ? "public, max-age=31536000, immutable" : "no-cache");
    });
    return true;
  };
}

/** The console of this checkout (console/dist beside the gateway). */
export const serveConsole: ConsoleHandler = createConsoleStatic(CONSOLE_DIST);
