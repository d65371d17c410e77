import { createHmac } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";
import { serveOnLoopback } from "../support/loopback-server.js";
import { afterDeliveries, deliveriesFirstFlag, receivingDelivery } from "../../src/store/deliveries-first.js";

/**
 * The webhook endpoint counts the requests it is handling, for the job thread's "deliveries first"
 * hold. Over real HTTP: every way a request can end brings the count back to zero, and a request
 * kept open (before any signature could be checked) stops counting after its cap.
 */
const SECRET = "whsec-test";
const flag = deliveriesFirstFlag();
/** Each request's cap: far beyond the checks below, so that only the cap can end a held count. */
const CAP_MS = 2_000;
/** Resolves "free" once nothing is being received, "held" if still so after `ms`. */
const claimable = afterDeliveries(flag, 60_000);
const state = (ms: number): Promise<"free" | "held"> =>
  Promise.race([claimable().then(() => "free" as const), new Promise<"held">((r) => setTimeout(() => r("held"), ms))]);

let failStore = false;
let handled = 0;
let stop: () => Promise<void>;
let url: string;
beforeAll(async () => {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    maxBodyBytes: 10_000,
    receive: async () => {
      if (failStore) throw new Error("store down");
    },
    log: { warn: () => undefined, error: () => undefined },
    receiving: receivingDelivery(flag, CAP_MS),
  });
  ({ url, stop } = await serveOnLoopback((req, res) => {
    handled++;
    // A client that leaves mid-body fails the read: the app's router logs it; here it is expected.
    endpoint(req, res).catch(() => undefined);
  }));
});
afterAll(() => stop());

function post(body: Buffer, headers: Record<string, string>, method = "POST"): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method, headers: { "content-length": String(body.length), ...headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

const signed = (body: Buffer) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
const github = (body: Buffer) => ({ "x-github-event": "ping", "x-github-delivery": "d-1", "x-hub-signature-256": signed(body) });

describe("the webhook endpoint's count of deliveries being received", () => {
  it("is back at zero after each kind of answer", async () => {
    const json = Buffer.from('{"zen":"yes"}');
    const notJson = Buffer.from("{nope");
    const answers = [
      await post(json, github(json)),
      await post(json, { ...github(json), "x-hub-signature-256": "sha256=00" }),
      await post(json, github(json), "PUT"),
      await post(Buffer.alloc(20_000, 0x20), github(json)),
      await post(notJson, github(notJson)),
    ];
    failStore = true;
    answers.push(await post(json, github(json)));
    failStore = false;
    expect(answers).toEqual([202, 401, 405, 413, 400, 500]);
    expect(await state(500)).toBe("free");
  });

  it("counts a request while it is handled, and a client that leaves mid-body is not counted after", async () => {
    const held = await holdOpen();
    // The control: while the request is being received, a new job waits.
    expect(await state(100)).toBe("held");
    held.destroy();
    expect(await state(500)).toBe("free");
  });

  it("stops counting a request kept open past its cap, though it is still open", async () => {
    let answered = false;
    const held = await holdOpen(() => {
      answered = true;
    });
    try {
      expect(await state(100)).toBe("held");
      // Let go while the request is neither answered nor closed: only the cap can have done it.
      expect(await state(10_000)).toBe("free");
      expect(answered).toBe(false);
      expect(held.destroyed).toBe(false);
    } finally {
      held.destroy();
    }
  });
});

/** A POST that sends part of its body and waits; resolves once the server is handling it. */
async function holdOpen(onResponse: () => void = () => undefined) {
  const before = handled;
  const held = request(url, { method: "POST", headers: { "content-length": "5000", "x-github-event": "ping" } });
  held.on("response", onResponse);
  held.on("error", () => undefined);
  held.write(Buffer.alloc(100, 0x20));
  while (handled === before) await new Promise((r) => setTimeout(r, 5));
  return held;
}
