import { describe, expect, it } from "vitest";
import { startWebhookRedeliverer } from "../../src/heal/webhook-redeliverer.js";
import type { HookDelivery } from "../../src/model/hook-delivery.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HOUR = 3600e3;

const attempt = (id: number, at: number, redelivery = false, guid = "lost-comment"): HookDelivery => ({
  id,
  guid,
  at,
  statusCode: 0,
  redelivery,
  event: "issue_comment",
  action: "created",
});

/** A redeliverer over a listing the test edits, on a clock the test moves; `asked` is what it asked GitHub for. */
function redeliverer(listed: HookDelivery[], clock: { now: number }) {
  const asked: number[] = [];
  const r = startWebhookRedeliverer({
    deliveriesSince: async () => [...listed],
    redeliver: async (id) => {
      asked.push(id);
    },
    intervalMs: HOUR,
    withinMs: HOUR,
    closeGraceMs: 30_000,
    log: quiet,
    now: () => clock.now,
  });
  return { r, asked };
}

describe("the webhook redeliverer asks GitHub once for each failed attempt", () => {
  it("a redelivery GitHub took but has not made (or listed) yet is not asked for again at the next look", async () => {
    const clock = { now: 10 * HOUR };
    const listed = [attempt(1, clock.now - 60_000)];
    const { r, asked } = redeliverer(listed, clock);
    try {
      await r.sweep();
      clock.now += 1_000;
      await r.sweep();
      clock.now += 1_000;
      await r.sweep();
      expect(asked).toEqual([1]);
    } finally {
      r.stop();
    }
  });

  it("control: once GitHub lists the redelivery, failed again, that attempt is asked for; one never made is asked for again after a wait", async () => {
    const clock = { now: 10 * HOUR };
    const listed = [attempt(1, clock.now - 60_000)];
    const { r, asked } = redeliverer(listed, clock);
    try {
      await r.sweep();
      clock.now += 1_000;
      listed.unshift(attempt(2, clock.now - 500, true));
      await r.sweep();
      expect(asked).toEqual([1, 2]);
      // GitHub answered 202 but never sent it: not left unasked for good.
      clock.now += 10 * 60_000;
      await r.sweep();
      expect(asked).toEqual([1, 2, 2]);
    } finally {
      r.stop();
    }
  });

  it("an outage's backlog past one look's 100 goes on at the next look, not to the same 100 again", async () => {
    const clock = { now: 10 * HOUR };
    const listed = Array.from({ length: 150 }, (_, i) => attempt(i + 1, clock.now - 60_000 + i, false, `lost-${i + 1}`));
    const { r, asked } = redeliverer(listed, clock);
    try {
      await r.sweep();
      expect(asked).toHaveLength(100);
      clock.now += 1_000;
      await r.sweep();
      expect(asked.slice(100)).toEqual(Array.from({ length: 50 }, (_, i) => i + 101));
    } finally {
      r.stop();
    }
  });
});
