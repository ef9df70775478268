import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as received (what a webhook signature covers). */
  body: string;
  /** Date.now() when the body was complete. */
  receivedAt: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow receiver). */
  delayMs?: number;
}

export interface RecordingServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** How the next requests are answered (200 by default); `index` counts from 0. */
  respond(reply: (request: RecordedRequest, index: number) => Reply): void;
  /** Waits until `count` requests matching `match` arrived; returns them. */
  waitForRequests(
    count: number,
    match?: (request: RecordedRequest) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** A local HTTP server that records every request and answers as the test says (webhooks). */
export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let reply: (request: RecordedRequest, index: number) => Reply = () => ({ status: 200 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      const answer = reply(request, requests.length);
      requests.push(request);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.body ?? "ok");
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  server.keepAliveTimeout = 1_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(next) {
      reply = next;
    },
    async waitForRequests(count, match = () => true, { timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = requests.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} requests within ${timeoutMs} ms, got ${found.length}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
