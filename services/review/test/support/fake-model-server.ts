import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Reply = (request: any, res: ServerResponse) => void | Promise<void>;

/**
 * A small OpenAI-compatible chat-completions server: each request takes the next scripted reply
 * (the last one repeats), and the requests it got are kept for the assertions.
 */
export class FakeModelServer {
  server: Server | undefined;
  url = "";
  requests: any[] = [];
  replies: Reply[] = [];

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const request = { path: req.url, headers: req.headers, body: JSON.parse(body) };
        this.requests.push(request);
        const reply = this.replies[Math.min(this.requests.length - 1, this.replies.length - 1)]!;
        void reply(request, res);
      });
    });
    this.server.listen(0, "127.0.0.1");
    await new Promise((resolve) => this.server!.once("listening", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
