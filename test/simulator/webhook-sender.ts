import { createHmac, randomUUID } from "node:crypto";
import { request } from "node:http";
import type { DeliveryRecord, DeliveryResult } from "./sim-types.js";

export interface DeliverOptions {
  deliveryId?: string;
  /** Replaces the computed X-Hub-Signature-256; null omits it (and the sha1 one). */
  signature?: string | null;
  /** Sends only the legacy sha1 signature, as very old GitHub Enterprise versions did. */
  sha1Only?: boolean;
  /** Sent instead of JSON.stringify(payload); the signature is computed over it unless given. */
  rawBody?: string | Buffer;
  /** A redelivery of an earlier attempt: listed with `redelivery: true`. */
  redelivery?: boolean;
}

/** GitHub keeps a delivery redeliverable for three days. */
const REDELIVERABLE_MS = 3 * 24 * 3600e3;

export function signBody(secret: string, body: Buffer): { sha256: string; sha1: string } {
  return {
    sha256: `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    sha1: `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
  };
}

/** Posts signed deliveries the way GitHub's hookshot does and remembers every one. */
export class WebhookSender {
  target: string | null = null;
  /**
   * Several apps behind one webhook URL, as a load balancer in front of replicas: each delivery
   * goes to the next one in turn. Empty: everything goes to `target`.
   */
  spread: string[] = [];
  private turn = 0;
  /** The app's webhook URL as `GET /app/hook/config` reports it; null = `${target}/api/github/webhooks`. */
  hookUrl: string | null = null;
  readonly deliveries: DeliveryRecord[] = [];
  /** What each delivery sent, so a test can redeliver it as GitHub's "Redeliver" button does. */
  private readonly sent = new Map<string, { event: string; payload: object }>();
  private readonly pending = new Set<Promise<unknown>>();
  private nextId = 1;

  constructor(
    private readonly secret: string,
    private readonly timeoutMs: number,
    private readonly appId: number,
  ) {}

  async deliver(event: string, payload: object, opts: DeliverOptions = {}): Promise<DeliveryResult> {
    const deliveryId = opts.deliveryId ?? randomUUID();
    this.sent.set(deliveryId, { event, payload });
    const body = opts.rawBody !== undefined ? Buffer.from(opts.rawBody) : Buffer.from(JSON.stringify(payload), "utf8");
    const sig = signBody(this.secret, body);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/sim",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": String(this.appId),
      "content-length": String(body.length),
    };
    if (opts.signature !== null) {
      if (!opts.sha1Only) headers["x-hub-signature-256"] = opts.signature ?? sig.sha256;
      headers["x-hub-signature"] = sig.sha1;
    }
    const started = Date.now();
    const target = this.spread.length ? this.spread[this.turn++ % this.spread.length] : this.target;
    const answer = target ? await this.post(`${target}/api/github/webhooks`, headers, body) : { status: 0, body: "no webhook target set" };
    const result = { ...answer, deliveryId, ms: Date.now() - started };
    const { action, installation, repository } = payload as {
      action?: unknown;
      installation?: { id?: unknown };
      repository?: { id?: unknown };
    };
    this.deliveries.push({
      ...result,
      id: this.nextId++,
      redelivery: opts.redelivery ?? false,
      installationId: typeof installation?.id === "number" ? installation.id : null,
      repositoryId: typeof repository?.id === "number" ? repository.id : null,
      event,
      action: typeof action === "string" ? action : null,
      at: started,
      target: target ?? null,
    });
    return result;
  }

  /**
   * Sends an earlier delivery again with the same body: under the same id (GitHub's "Redeliver"),
   * or under a new one, as an attacker replaying a captured request would (the id is not signed).
   */
  redeliver(deliveryId: string, opts: { asNewId?: string } = {}): Promise<DeliveryResult> {
    const earlier = this.sent.get(deliveryId);
    if (!earlier) throw new Error(`no delivery ${deliveryId} to redeliver`);
    return this.deliver(earlier.event, earlier.payload, { deliveryId: opts.asNewId ?? deliveryId, redelivery: !opts.asNewId });
  }

  /**
   * `POST /app/hook/deliveries/{id}/attempts`: the attempt's delivery is sent again under its GUID,
   * in the background. "missing" for an id never made; "too old" past the three days GitHub keeps it.
   */
  redeliverAttempt(id: number, now = Date.now()): "queued" | "missing" | "too old" {
    const attempt = this.deliveries.find((d) => d.id === id);
    if (!attempt) return "missing";
    if (now - attempt.at > REDELIVERABLE_MS) return "too old";
    this.track(this.redeliver(attempt.deliveryId));
    return "queued";
  }

  /** For events GitHub sends on its own (e.g. after an API merge): never awaited by the caller. */
  background(event: string, payload: object | Promise<object>): void {
    const p: Promise<unknown> = Promise.resolve(payload)
      .then((body) => this.deliver(event, body))
      .catch(() => {})
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Keeps unawaited work (e.g. a chain of deliveries) visible to drain(). */
  track(work: Promise<unknown>): void {
    const p: Promise<unknown> = work.catch(() => {}).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      // agent: false so no keep-alive socket outlives the test and holds the app's server open.
      const req = request(url, { method: "POST", headers, agent: false, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", (e) => resolve({ status: 0, body: String(e) }));
      });
      req.on("timeout", () => req.destroy(new Error(`delivery timed out after ${this.timeoutMs} ms`)));
      req.on("error", (e) => resolve({ status: 0, body: String(e.message) }));
      req.end(body);
    });
  }
}
