import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The ingress baseline: a node http server that reads each request body, checks its
 * X-Hub-Signature-256 against the secret in WEBHOOK_SECRET and answers 202 (401 when it does not
 * match), run as its own process like the app. Prints its port on stdout.
 */
const secret = process.env.WEBHOOK_SECRET ?? "";
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(Buffer.concat(chunks)).digest("hex")}`);
    const given = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(202, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true, message: "accepted", bytes: Buffer.concat(chunks).length }));
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
