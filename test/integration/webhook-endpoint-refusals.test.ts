import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Delivery } from "../../src/ingress/verify-delivery.js";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";
import { serveOnLoopback } from "../support/loopback-server.js";

/**
 * Each answer of the webhook endpoint: its status and body, the metric's reason, the log's line.
 * A refusal is never silent, and a delivery is answered 202 only once it is stored.
 */
const SECRET = "whsec-refusals";
const received: Delivery[] = [];
const said: string[] = [];
const counted: string[] = [];
let fault: "none" | "disk-full" | "store" = "none";
let stop: () => Promise<void>;
let url: string;

beforeAll(async () => {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    receive: async (d) => {
      if (fault === "store") throw new Error("database is locked");
      if (fault === "disk-full") throw Object.assign(new Error("no space"), { code: "ENOSPC" });
      received.push(d);
    },
    // No reserve left to give up: a full disk stays full.
    reserve: { release: async () => false, afterWrite: async () => undefined },
    log: { warn: (_o, msg) => void said.push(`warn: ${msg}`), error: (_o, msg) => void said.push(`error: ${msg}`) },
    count: { received: (e) => void counted.push(`received ${e}`), rejected: (r) => void counted.push(`rejected ${r}`) },
  });
  ({ url, stop } = await serveOnLoopback((req, res) => void endpoint(req, res)));
});
afterAll(() => stop());
beforeEach(() => {
  received.length = 0;
  said.length = 0;
  counted.length = 0;
  fault = "none";
});

const body = JSON.stringify({ zen: "ok" });
const sign = (b: string) => `sha256=${createHmac("sha256", SECRET).update(b).digest("hex")}`;
const github = {
  "content-type": "application/json",
  "x-github-event": "ping",
  "x-github-delivery": "d-1",
  "x-hub-signature-256": sign(body),
};

async function post(headers: Record<string, string>, method = "POST") {
  said.length = 0;
  counted.length = 0;
  const r = await fetch(url, { method, headers, ...(method === "POST" ? { body } : {}) });
  return { status: r.status, answer: await r.json(), said: [...said], counted: [...counted] };
}

describe("the webhook endpoint's answers", () => {
  it("refuses what is not a signed delivery of GitHub's, each with its reason, status and log line", async () => {
    const { "x-hub-signature-256": _, ...unsigned } = github;
    expect(await post(unsigned)).toEqual({
      status: 401,
      answer: { error: "signature required" },
      said: ["warn: webhook without an X-Hub-Signature-256 header refused"],
      counted: ["rejected signature"],
    });
    expect((await post({ ...unsigned, "x-hub-signature": "sha1=00" })).status).toBe(401);
    expect(await post({ ...github, "x-hub-signature-256": "sha256=00" })).toMatchObject({
      status: 401,
      answer: { error: "signature does not match" },
      said: ["warn: webhook with a wrong signature refused"],
      counted: ["rejected signature"],
    });
    expect(await post({ ...github, "x-github-delivery": "comment:1" })).toMatchObject({
      status: 400,
      answer: { error: "X-GitHub-Delivery is not a GitHub delivery id (it has a colon)" },
      said: ["warn: signed webhook refused: its X-GitHub-Delivery has the form of an act-once key"],
      counted: ["rejected bad_request"],
    });
    expect(await post(github, "GET")).toMatchObject({
      status: 405,
      answer: { error: "webhooks are POSTed" },
      counted: ["rejected method"],
    });
    expect(received).toEqual([]);
  });

  it("a store fault is a 500 and a full disk a 503 with Retry-After, neither stored (GitHub redelivers)", async () => {
    fault = "store";
    expect(await post(github)).toMatchObject({
      status: 500,
      answer: { error: "could not persist the delivery" },
      said: ["error: could not persist delivery"],
    });
    fault = "disk-full";
    const r = await fetch(url, { method: "POST", headers: { ...github }, body });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("60");
    expect(received).toEqual([]);
  });

  it("counts a delivery under an event name GitHub does not send as `other`: the header is not signed", async () => {
    // A captured body (a smee.io channel is readable by whoever has its address) sent again under
    // made-up event names: each name was a new series of sluice_webhooks_received_total, held for
    // ever and in every scrape.
    for (const name of ["x-1", "x-2", "Pull_Request"])
      expect((await post({ ...github, "x-github-event": name, "x-github-delivery": `d-${name}` })).counted).toEqual(["received other"]);
    // Control: GitHub's events keep their names.
    expect((await post({ ...github, "x-github-event": "pull_request", "x-github-delivery": "d-pr" })).counted).toEqual([
      "received pull_request",
    ]);
  });

  it("control: a signed delivery is stored, counted and answered 202", async () => {
    expect(await post(github)).toEqual({ status: 202, answer: { ok: true, message: "accepted" }, said: [], counted: ["received ping"] });
    expect(received).toEqual([{ id: "d-1", name: "ping", payload: { zen: "ok" } }]);
  });
});
