import { createHmac } from "node:crypto";
import { request, type ClientRequest } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";
import { serveOnLoopback } from "../support/loopback-server.js";

/**
 * Bodies are held whole until their signature can be checked, so anyone who can reach the
 * endpoint could make it hold one body of up to 25 MB per connection, as many connections as they
 * open: the process (its job thread and the applies running there included) would run out of
 * memory. The bytes held for bodies not yet verified have a budget; past it a request is answered
 * 503 (GitHub shows the delivery failed, to redeliver) and logged, and what was held is let go.
 *
 * A client that sends most of a body and then stalls would keep its share for as long as the
 * connection lives (Node's requestTimeout: 5 minutes), so a few stalled uploads had every delivery
 * answered 503. GitHub gives up on a delivery after 10 seconds: a body still uploading well past
 * that is no delivery of GitHub's, and is cut, its bytes given back.
 */
const SECRET = "whsec-budget";
const LIMIT = 10_000;
const BUDGET = 25_000;
const warnings: string[] = [];
const servers: { close(): Promise<void> }[] = [];
let budgetUrl: string;
let deadlineUrl: string;

/** An endpoint with the test's limits (and `bodyDeadlineMs` when given) on a loopback port. */
async function serve(bodyDeadlineMs?: number): Promise<string> {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    maxBodyBytes: LIMIT,
    maxBufferedBytes: BUDGET,
    ...(bodyDeadlineMs ? { bodyDeadlineMs } : {}),
    receive: async () => undefined,
    log: { warn: (_o, msg) => warnings.push(msg), error: (_o, msg) => warnings.push(msg) },
  });
  const served = await serveOnLoopback((req, res) => void endpoint(req, res).catch(() => undefined));
  servers.push({ close: served.stop });
  return served.url;
}

beforeAll(async () => {
  budgetUrl = await serve();
  deadlineUrl = await serve(1_000);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A request that declares `size` bytes, sends `sent` of them and waits. */
function held(url: string, size: number, sent: number): { req: ClientRequest; status: Promise<number> } {
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

/** A signed delivery of a JSON body of about `size` bytes; its answer's status. */
function post(url: string, size: number): Promise<number> {
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

it("unverified bodies held past the budget: 503 and a warning, and room again once they go", async () => {
  const a = held(budgetUrl, LIMIT, 9_000);
  const b = held(budgetUrl, LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  // A third one passes the budget as it arrives.
  const c = held(budgetUrl, LIMIT, 9_000);
  expect(await c.status).toBe(503);
  expect(warnings.some((w) => w.includes("budget"))).toBe(true);
  c.req.destroy();
  // Control: a delivery that fits in what is left is received while the two are held.
  expect(await post(budgetUrl, 100)).toBe(202);
  a.req.destroy();
  b.req.destroy();
  await Promise.all([a.status, b.status]);
  await new Promise((r) => setTimeout(r, 100));
  // Their bytes were let go: two more fit again.
  const d = held(budgetUrl, LIMIT, 9_000);
  const e = held(budgetUrl, LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  expect(await post(budgetUrl, 1)).toBe(202);
  d.req.destroy();
  e.req.destroy();
});

it("a stalled upload is cut past the body deadline and its share of the budget comes back", async () => {
  const a = held(deadlineUrl, LIMIT, 9_000);
  const b = held(deadlineUrl, LIMIT, 9_000);
  await new Promise((r) => setTimeout(r, 200));
  // While they are held, a delivery of 9 kB does not fit (control: the budget is spent).
  expect(await post(deadlineUrl, 9_000)).toBe(503);
  await new Promise((r) => setTimeout(r, 1_500));
  // Past the deadline they were cut: a delivery of that size is received again.
  expect(await post(deadlineUrl, 9_000)).toBe(202);
  expect(await a.status).not.toBe(200);
  expect(await b.status).not.toBe(200);
  a.req.destroy();
  b.req.destroy();
});
