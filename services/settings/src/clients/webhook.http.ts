import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { forbiddenReason } from "./webhook.address-guard.js";

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses (the system resolver by default; tests swap it). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export interface WebhookHttpOptions {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
  responseExcerptBytes: number;
  resolver?: Resolver;
}

/** Why a URL cannot receive webhooks: a client mistake at create time, a failed attempt later. */
export class RefusedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedUrlError";
  }
}

/**
 * The address to connect to for `url`: its host resolved now (all answers), refused with a
 * RefusedUrlError if it does not resolve or if any answer is a non-public address (unless
 * private networks are allowed). Connect to the address it answers, never re-resolve.
 */
export async function resolveChecked(
  url: URL,
  resolver: Resolver,
  allowPrivateNetworks: boolean,
): Promise<ResolvedAddress> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: ResolvedAddress[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch {
      throw new RefusedUrlError(`host ${hostname} does not resolve`);
    }
    if (addresses.length === 0) throw new RefusedUrlError(`host ${hostname} does not resolve`);
  }
  if (!allowPrivateNetworks) {
    for (const { address } of addresses) {
      const reason = forbiddenReason(address);
      if (reason) {
        throw new RefusedUrlError(`resolves to a non-public address (${reason})`);
      }
    }
  }
  return addresses[0]!;
}

export interface AttemptResult {
  /** The receiver's status code; null when no response came (refused, timeout, connection). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * Sends webhooks over node:http/https with the controls fetch does not give: the host is
 * resolved once, every address is checked against the private-network rules, and the socket
 * connects to the checked address (a `lookup` that answers with it), so a DNS answer that
 * changes between check and connect (rebinding) cannot reach an internal service. Redirects are
 * not followed, one deadline covers connect to last byte, and the response is read up to a cap.
 */
export class WebhookHttpClient {
  private readonly resolver: Resolver;
  private readonly agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 60_000 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 60_000 }),
  };

  constructor(private readonly options: WebhookHttpOptions) {
    this.resolver = options.resolver ?? systemResolver;
  }

  /** Parses a URL and refuses what this region does not deliver to (scheme, credentials). */
  parseUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new RefusedUrlError("must be an absolute URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new RefusedUrlError("must be an https:// URL");
    }
    if (url.protocol === "http:" && !this.options.allowHttp) {
      throw new RefusedUrlError("must be an https:// URL");
    }
    if (url.username || url.password) throw new RefusedUrlError("must not contain credentials");
    return url;
  }

  /** The address to connect to: resolved now and checked; refused if any answer is internal. */
  resolve(url: URL): Promise<ResolvedAddress> {
    return resolveChecked(url, this.resolver, this.options.allowPrivateNetworks);
  }

  /** Checks a URL as an endpoint is saved: scheme, credentials and where it resolves now. */
  async check(raw: string): Promise<string> {
    const url = this.parseUrl(raw);
    await this.resolve(url);
    return url.toString();
  }

  /** One attempt. Never throws: every outcome is an AttemptResult for the delivery log. */
  async send(
    rawUrl: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let target: ResolvedAddress;
    let url: URL;
    try {
      url = this.parseUrl(rawUrl);
      target = await this.resolve(url);
    } catch (error) {
      return {
        statusCode: null,
        durationMs: elapsed(),
        error: describe(error),
        responseExcerpt: null,
      };
    }
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, all: ResolvedAddress[]) => void)(null, [target]);
      } else {
        callback(null, target.address, target.family);
      }
    };
    const payload = Buffer.from(body);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: Omit<AttemptResult, "durationMs">) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ ...result, durationMs: elapsed() });
      };
      const request = transport.request(url, {
        method: "POST",
        agent: this.agents[url.protocol as "http:" | "https:"],
        lookup: pinned,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(payload.length),
          "user-agent": "Clment-Webhooks/1.0",
        },
      });
      const deadline = setTimeout(() => {
        finish({
          statusCode: null,
          error: `timed out after ${this.options.timeoutMs} ms`,
          responseExcerpt: null,
        });
        request.destroy();
      }, this.options.timeoutMs);
      request.on("error", (error) =>
        finish({ statusCode: null, error: describe(error), responseExcerpt: null }),
      );
      request.on("response", (response) => {
        this.readCapped(response).then(
          (excerpt) =>
            finish({
              statusCode: response.statusCode ?? null,
              error: statusError(response),
              responseExcerpt: excerpt,
            }),
          (error: unknown) =>
            finish({
              statusCode: response.statusCode ?? null,
              error: describe(error),
              responseExcerpt: null,
            }),
        );
      });
      request.end(payload);
    });
  }

  /** Reads at most `maxResponseBytes`, then drops the connection; keeps a short excerpt. */
  private readCapped(response: IncomingMessage): Promise<string> {
    const { maxResponseBytes, responseExcerptBytes } = this.options;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        const excerpt = Buffer.concat(chunks).subarray(0, responseExcerptBytes).toString("utf8");
        resolve(excerpt.replace(/\uFFFD+$/, ""));
      };
      const fail = (error: Error) => {
        if (finished) return;
        finished = true;
        reject(error);
      };
      response.on("data", (chunk: Buffer) => {
        if (received < responseExcerptBytes) chunks.push(chunk);
        received += chunk.length;
        if (received >= maxResponseBytes) {
          // Enough: what the receiver says beyond this is not read.
          done();
          response.destroy();
        }
      });
      response.on("end", done);
      response.on("error", fail);
      response.on("aborted", () => fail(new Error("response aborted")));
    });
  }

  close(): void {
    this.agents["http:"].destroy();
    this.agents["https:"].destroy();
  }
}

function statusError(response: IncomingMessage): string | null {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    const location = response.headers.location;
    return `redirect not followed${location ? ` (to ${location.slice(0, 200)})` : ""}`;
  }
  return null;
}

function describe(error: unknown): string {
  if (error instanceof RefusedUrlError) return `refused: ${error.message}`;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "connection reset";
  if (typeof code === "string" && !message.includes(code)) return `${code}: ${message}`;
  return message;
}
