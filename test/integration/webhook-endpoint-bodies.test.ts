import { createHmac } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Delivery } from "../../src/ingress/verify-delivery.js";
import { createWebhookEndpoint } from "../../src/ingress/webhook-endpoint.js";
import { serveOnLoopback } from "../support/loopback-server.js";

/**
 * What a signed delivery's body may be. GitHub sends a webhook as JSON or, when the hook's
 * content type is `form` (the API's default for `PATCH /app/hook/config`), as
 * `application/x-www-form-urlencoded` with the JSON in a `payload` field, signed over the form
 * bytes. Anything else signed is refused with 400 and a log line, never silently.
 */
const SECRET = "whsec-bodies";
const received: Delivery[] = [];
const warnings: string[] = [];
let stop: () => Promise<void>;
let url: string;

beforeAll(async () => {
  const endpoint = createWebhookEndpoint({
    secret: SECRET,
    receive: async (d) => {
      received.push(d);
    },
    log: { warn: (_o, msg) => warnings.push(msg), error: (_o, msg) => warnings.push(msg) },
  });
  ({ url, stop } = await serveOnLoopback((req, res) => void endpoint(req, res)));
});
afterAll(() => stop());
beforeEach(() => {
  received.length = 0;
  warnings.length = 0;
});

const sign = (body: Buffer) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

function post(body: string, headers: Record<string, string>): Promise<number> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "content-length": String(bytes.length), "x-hub-signature-256": sign(bytes), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(bytes);
  });
}

const json = { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d-1" };
const form = { ...json, "content-type": "application/x-www-form-urlencoded" };
const payload = { zen: "Keep it logically awesome & simple = fine", hook_id: 1 };

describe("webhook bodies", () => {
  it("a form-encoded delivery (`payload=` JSON) is received as its JSON", async () => {
    expect(await post(`payload=${encodeURIComponent(JSON.stringify(payload))}`, form)).toBe(202);
    expect(received).toEqual([{ id: "d-1", name: "ping", payload }]);
  });

  it("control: the same delivery as JSON", async () => {
    expect(await post(JSON.stringify(payload), json)).toBe(202);
    expect(received).toEqual([{ id: "d-1", name: "ping", payload }]);
  });

  it.each([
    ["a form without a payload field", "zen=1", form],
    ["a form whose payload is not JSON", "payload=%7B", form],
    ["JSON that is not an object", "null", json],
    ["JSON that is a number", "42", json],
    ["a body that is not JSON", '{"action":', json],
  ])("%s: 400 and a warning", async (_, body, headers) => {
    expect(await post(body, headers)).toBe(400);
    expect(received).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it("signed, but without its event or delivery id: 400 and a warning", async () => {
    expect(await post(JSON.stringify(payload), { "content-type": "application/json", "x-github-delivery": "d-2" })).toBe(400);
    expect(received).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});

describe("the content type is not signed", () => {
  // A JSON delivery GitHub signed, whose text (a comment, a commit message, a branch name: anything
  // a user writes) holds `&payload=<url-encoded JSON>&`. Captured and sent again with a form content
  // type, the same signed bytes must not be read as a form: its `payload` field would be any JSON
  // the writer chose (another sender, another command, another repository), signature and all.
  const forged = { action: "created", comment: { id: 9, body: "/apply", user: { login: "admin" } }, sender: { login: "admin" } };
  const signedJson = JSON.stringify({
    action: "created",
    comment: { id: 1, body: `looks good &payload=${encodeURIComponent(JSON.stringify(forged))}&`, user: { login: "mallory" } },
    sender: { login: "mallory" },
  });

  it("a signed JSON body sent again as a form is refused, never read as the form's payload field", async () => {
    const status = await post(signedJson, { ...form, "x-github-event": "issue_comment" });
    expect(received.map((d) => d.payload)).not.toContainEqual(forged);
    expect(status).toBe(400);
  });

  it("control: the same signed body as JSON is received as it is", async () => {
    expect(await post(signedJson, { ...json, "x-github-event": "issue_comment" })).toBe(202);
    expect(received.map((d) => d.payload)).toEqual([JSON.parse(signedJson)]);
  });
});
