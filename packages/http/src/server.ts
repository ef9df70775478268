import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (bounded), then returns. */
  close(): Promise<void>;
}

export async function listen(
  app: Express | ((req: never, res: never) => void),
  port: number,
  host = "127.0.0.1",
  { drainTimeoutMs = 10_000 } = {},
): Promise<RunningServer> {
  const { createServer } = await import("node:http");
  const server = createServer(app as Parameters<typeof createServer>[1]);
  // Longer than the gateway's keep-alive agent idles a socket, so the gateway never reuses a
  // socket the service is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(port, host);
  await once(server, "listening");
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
