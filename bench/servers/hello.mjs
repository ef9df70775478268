// The baseline: a raw node:http server answering a small JSON body.
import { createServer } from "node:http";

const body = JSON.stringify({ data: { hello: "world" } });
const server = createServer((_req, res) => {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.send?.({ port: server.address().port });
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
