import { createHmac } from "node:crypto";
import { createServer, request, type ClientRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";

/**
 * Bodies are held whole until their signature can be checked, so anyone who can reach the
 * endpoint could make it hold one body of up to 25 MB per connection, as many connections as they
 * open: the process (its job thread and the applies running there included) would run out of
 * memory. The bytes held for bodies not yet verified have a budget; past it a request is answered
 * 503 (GitHub shows the delivery failed, to redeliver) and logged, and what was held is let go.
 */
const SECRET = "whsec-budget";
const LIMIT = 10_000;
const BUDGET = 25_000;
const warnings: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    maxBodyBytes: LIMIT,
    maxBufferedBytes: BUDGET,
    receive: async () => undefined,
    log: { warn: (_o, msg) => warnings.push(msg), error: (_o, msg) => warnings.push(msg) },
  });
  server = createServer((req, res) => void endpoint(req, res).catch(() => undefined));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A request that declares `size` bytes, sends `sent` of them and waits. */
function held(size: number, sent: number): { req: ClientRequest; status: Promise<number> } {
  let req!: ClientRequest;
  const status = new Promise<number>((resolve) => {
    req = request(
      url,
      { method: "POST", headers: { "content-length": String(size), "content-type": "application/json", "x-github-event": "ping" } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", () => resolve(0));
    req.write(Buffer.alloc(sent, 0x20));
  });
  return { req, status };
}

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-length": String(body.length),
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": "d-1",
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

it("unverified bodies held past the budget: 503 and a warning, and room again once they go", async () => {
  const a = held(LIMIT, 9_000);
  const b = held(LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  // A third one passes the budget as it arrives.
  const c = held(LIMIT, 9_000);
  expect(await c.status).toBe(503);
  expect(warnings.some((w) => w.includes("budget"))).toBe(true);
  c.req.destroy();
  // Control: a delivery that fits in what is left is received while the two are held.
  expect(await post(Buffer.from(JSON.stringify({ zen: "x".repeat(100) })))).toBe(202);
  a.req.destroy();
  b.req.destroy();
  await Promise.all([a.status, b.status]);
  await new Promise((r) => setTimeout(r, 100));
  // Their bytes were let go: two more fit again.
  const d = held(LIMIT, 9_000);
  const e = held(LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  expect(await post(Buffer.from(JSON.stringify({ zen: "y" })))).toBe(202);
  d.req.destroy();
  e.req.destroy();
});
