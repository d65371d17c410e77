import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The ingress baseline: a node http server that reads each request body and answers 202, run as
 * its own process like the app. Prints its port on stdout.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    res.writeHead(202, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, message: "accepted", bytes: Buffer.concat(chunks).length }));
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
