import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { CustomFetch, CustomFetchOptions } from "openid-client";
import {
  resolveChecked,
  systemResolver,
  type ResolvedAddress,
  type Resolver,
} from "./webhook.http.js";

export interface ProviderFetchOptions {
  /** Allow `http://` (local development and tests only). */
  allowHttp: boolean;
  /** Allow loopback, private, link-local... addresses (local development and tests only). */
  allowPrivateNetworks: boolean;
  /** How host names are resolved (the system resolver by default; tests choose answers). */
  resolver?: Resolver;
}

/** A request to the identity provider that was refused before it left, or that got no answer. */
export class ProviderUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProviderUnreachableError";
  }
}

/** Discovery documents, tokens, keys and userinfo are small: more than this is not read. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The fetch openid-client makes every request with (discovery, token, userinfo, keys): the
 * issuer is chosen by any organization and the endpoints by whoever answers its discovery, so
 * each URL gets the webhook client's guard when it is fetched. https only (unless allowed), no
 * credentials in the URL, the host resolved once and refused if any answer is a non-public
 * address, and the socket connects to the checked address (no re-resolution: DNS rebinding
 * cannot get in between). Redirects are not followed; the answer is read up to 1 MiB. Every
 * failure is a ProviderUnreachableError whose message is for the log, not for the caller.
 */
export function providerFetch(options: ProviderFetchOptions): CustomFetch {
  const resolver = options.resolver ?? systemResolver;
  return async (rawUrl, init) => {
    const url = new URL(rawUrl);
    if (url.protocol !== "https:" && !(options.allowHttp && url.protocol === "http:")) {
      throw new ProviderUnreachableError(`refused ${url.origin}: not an https URL`);
    }
    if (url.username || url.password) {
      throw new ProviderUnreachableError(`refused ${url.host}: credentials in the URL`);
    }
    let target: ResolvedAddress;
    try {
      target = await resolveChecked(url, resolver, options.allowPrivateNetworks);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderUnreachableError(`refused ${url.host}: ${reason}`, { cause: error });
    }
    return send(url, target, init);
  };
}

function bodyOf(body: CustomFetchOptions["body"]): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new ProviderUnreachableError("a streamed request body is not supported");
}

function send(url: URL, target: ResolvedAddress, init: CustomFetchOptions): Promise<Response> {
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) {
      (callback as unknown as (e: null, all: ResolvedAddress[]) => void)(null, [target]);
    } else {
      callback(null, target.address, target.family);
    }
  };
  const payload = bodyOf(init.body);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new ProviderUnreachableError(`${url.host}: ${message}`, { cause }));
    if (init.signal?.aborted) {
      fail("aborted before it was sent", init.signal.reason);
      return;
    }
    const request = transport.request(url, {
      method: init.method,
      headers: init.headers,
      lookup: pinned,
      // A socket of its own: never one kept alive from another request.
      agent: false,
    });
    const abort = () => {
      request.destroy();
      fail("timed out", init.signal?.reason);
    };
    init.signal?.addEventListener("abort", abort, { once: true });
    const settle = () => init.signal?.removeEventListener("abort", abort);
    request.on("error", (error) => {
      settle();
      fail(error.message, error);
    });
    request.on("response", (response) => {
      readCapped(response).then(
        (body) => {
          settle();
          resolve(toResponse(response, body));
        },
        (error: unknown) => {
          settle();
          request.destroy();
          fail(error instanceof Error ? error.message : String(error), error);
        },
      );
    });
    request.end(payload);
  });
}

function readCapped(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_RESPONSE_BYTES) {
        reject(new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks)));
    response.on("error", reject);
    response.on("aborted", () => reject(new Error("answer aborted")));
  });
}

function toResponse(response: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined) headers.append(name, one);
    }
  }
  const status = response.statusCode ?? 502;
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : body, {
    status,
    statusText: response.statusMessage ?? "",
    headers,
  });
}
