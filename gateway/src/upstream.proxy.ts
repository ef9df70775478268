import { Agent, type IncomingMessage, type ServerResponse } from "node:http";
import { createProxyMiddleware, type RequestHandler } from "http-proxy-middleware";
import type { Upstream } from "./route.table.js";

/** A request body the gateway already read (login throttling); sent on instead of the stream. */
export const BUFFERED_BODY = Symbol("bufferedBody");
export type BufferedRequest = IncomingMessage & { [BUFFERED_BODY]?: Buffer };

export type UpstreamProxy = RequestHandler<IncomingMessage, ServerResponse>;

export interface UpstreamProxies {
  proxies: Record<Upstream, UpstreamProxy>;
  /** Closes the kept-alive upstream connections. */
  close(): void;
}

/**
 * One http-proxy-middleware instance per service, sharing a keep-alive agent (keep-alive doubles
 * throughput, see PERFORMANCE.md). Bodies stream through untouched. A service that refuses,
 * resets or does not answer within `timeoutMs` goes to `onError`.
 */
export function createUpstreamProxies(options: {
  upstreams: Record<Upstream, string>;
  timeoutMs: number;
  onError(error: Error, req: IncomingMessage, res: ServerResponse, upstream: Upstream): void;
}): UpstreamProxies {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    scheduling: "lifo",
  });
  const proxyFor = (upstream: Upstream): UpstreamProxy =>
    createProxyMiddleware<IncomingMessage, ServerResponse>({
      // A URL object, not a string: hpm and httpxy would otherwise parse it on every request.
      target: new URL(options.upstreams[upstream]),
      agent,
      proxyTimeout: options.timeoutMs,
      // No default plugins (they log every request and answer errors in plain text).
      ejectPlugins: true,
      plugins: [
        (proxyServer) => {
          proxyServer.on("proxyReq", (proxyReq, req: BufferedRequest) => {
            // The stream has ended (the gateway read it); piping it then only ends proxyReq.
            const body = req[BUFFERED_BODY];
            if (body) {
              proxyReq.setHeader("content-length", body.length);
              proxyReq.removeHeader("transfer-encoding");
              proxyReq.write(body);
            }
          });
          proxyServer.on("error", (error, req, res) => {
            if (req && res && "writeHead" in res) options.onError(error, req, res, upstream);
            else if (res) res.destroy();
          });
        },
      ],
    });
  return {
    proxies: {
      settings: proxyFor("settings"),
      contracts: proxyFor("contracts"),
      review: proxyFor("review"),
      credits: proxyFor("credits"),
    },
    close: () => agent.destroy(),
  };
}
