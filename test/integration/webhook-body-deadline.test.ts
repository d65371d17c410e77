import { createHmac } from "node:crypto";
import { createServer, request, type ClientRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";

/**
 * The budget of bytes held for unverified bodies is shared by every request: a client that sends
 * most of a body and then stalls keeps its share for as long as the connection lives (Node's
 * requestTimeout: 5 minutes), so a few stalled uploads had every delivery answered 503, and GitHub
 * does not redeliver by itself. GitHub gives up on a delivery after 10 seconds: a body still
 * uploading well past that is no delivery of GitHub's, and is cut, its bytes given back.
 */
const SECRET = "whsec-deadline";
const LIMIT = 10_000;
const BUDGET = 25_000;
let server: Server;
let url: string;

beforeAll(async () => {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    maxBodyBytes: LIMIT,
    maxBufferedBytes: BUDGET,
    bodyDeadlineMs: 1_000,
    receive: async () => undefined,
    log: { warn: () => undefined, error: () => undefined },
  });
  server = createServer((req, res) => void endpoint(req, res).catch(() => undefined));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A request that declares `size` bytes, sends `sent` of them and stalls. */
function stalled(size: number, sent: number): { req: ClientRequest; status: Promise<number> } {
  let req!: ClientRequest;
  const status = new Promise<number>((resolve) => {
    req = request(url, { method: "POST", headers: { "content-length": String(size), "x-github-event": "ping" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.write(Buffer.alloc(sent, 0x20));
  });
  return { req, status };
}

function post(size: number): Promise<number> {
  const body = Buffer.from(JSON.stringify({ zen: "x".repeat(size) }));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-length": String(body.length),
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": `d-${size}`,
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

it("a stalled upload is cut past the body deadline and its share of the budget comes back", async () => {
  const a = stalled(LIMIT, 9_000);
  const b = stalled(LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  // While they are held, a delivery of 9 kB does not fit (control: the budget is spent).
  expect(await post(9_000)).toBe(503);
  await new Promise((r) => setTimeout(r, 1_500));
  // Past the deadline they were cut: a delivery of that size is received again.
  expect(await post(9_000)).toBe(202);
  expect(await a.status).not.toBe(200);
  expect(await b.status).not.toBe(200);
  a.req.destroy();
  b.req.destroy();
});
