import { describe, expect, it } from "vitest";
import { deliveriesToRedeliver, notAskedYet, REDELIVERY_WAIT_MS } from "../../src/heal/failed-deliveries.js";
import type { HookDelivery } from "../../src/model/hook-delivery.js";

let id = 0;
const attempt = (guid: string, statusCode: number, at: number, action = "opened", redelivery = false): HookDelivery => ({
  id: ++id,
  guid,
  at,
  statusCode,
  event: "pull_request",
  action,
  redelivery,
});
const limits = { now: 10, closeGraceMs: 30_000 };

describe("deliveriesToRedeliver: which failed webhook deliveries Sluice asks GitHub for again", () => {
  it("asks once, for the latest attempt, for each delivery no attempt of which was answered", () => {
    const down = attempt("down", 0, 1);
    const downAgain = attempt("down", 0, 5, "opened", true);
    const full = attempt("disk-full", 503, 2);
    const slow = attempt("rate", 429, 3);
    expect(deliveriesToRedeliver([downAgain, down, full, slow], limits)).toEqual([full, slow, downAgain]);
  });

  it("control: a delivery answered once is never asked for again, whatever the other attempts said", () => {
    expect(deliveriesToRedeliver([attempt("ok", 202, 1)], limits)).toEqual([]);
    expect(deliveriesToRedeliver([attempt("later-ok", 0, 1), attempt("later-ok", 202, 2, "opened", true)], limits)).toEqual([]);
    expect(deliveriesToRedeliver([attempt("ok-then-down", 202, 1), attempt("ok-then-down", 0, 2, "opened", true)], limits)).toEqual([]);
  });

  it("a refusal on purpose (a wrong signature, a malformed body) is not asked for again: it would be refused alike", () => {
    expect(deliveriesToRedeliver([attempt("bad-signature", 401, 1), attempt("malformed", 400, 2)], limits)).toEqual([]);
    // Its latest answer decides: down first, then refused.
    expect(
      deliveriesToRedeliver([attempt("down-then-refused", 0, 1), attempt("down-then-refused", 401, 2, "opened", true)], limits),
    ).toEqual([]);
  });

  it("a pull request's close is asked for only while its own event still acts: later, redelivered, it would apply a merge late", () => {
    const now = 100_000;
    const lostLong = attempt("merged-long-ago", 0, now - 31_000, "closed");
    const retried = attempt("merged-long-ago", 0, now - 1_000, "closed", true);
    expect(deliveriesToRedeliver([retried, lostLong], { now, closeGraceMs: 30_000 })).toEqual([]);
    // Control: a close lost moments ago, and any other event lost as long ago, are asked for.
    const lostNow = attempt("merged-now", 0, now - 5_000, "closed");
    const opened = attempt("opened-long-ago", 0, now - 31_000);
    expect(deliveriesToRedeliver([lostNow, opened], { now, closeGraceMs: 30_000 })).toEqual([opened, lostNow]);
  });

  it("a delivery whose own attempt is past the window is not asked for again, however recent its failed redeliveries", () => {
    // One Sluice answers 500 every time: each look's redelivery is a new attempt, always recent,
    // so the window measured by attempts would ask for it every interval until GitHub stops (3 days).
    const now = 10 * 3600e3;
    const redelivered = attempt("poisoned", 500, now - 60_000, "opened", true);
    expect(deliveriesToRedeliver([redelivered], { now, closeGraceMs: 30_000 })).toEqual([]);
    // Control: while its own attempt is in the window, it is asked for (its latest attempt named).
    const own = attempt("still-young", 500, now - 120_000);
    const again = attempt("still-young", 500, now - 60_000, "opened", true);
    expect(deliveriesToRedeliver([again, own], { now, closeGraceMs: 30_000 })).toEqual([again]);
  });
});

describe("notAskedYet: a redelivery asked for is not asked for again while GitHub may still make it", () => {
  it("leaves out the attempt asked for, until the wait passes (control: a newer attempt, another delivery)", () => {
    const lost = attempt("lost", 0, 1);
    const other = attempt("other", 0, 2);
    const asked = new Map([["lost", { attempt: lost.id, at: 1_000 }]]);
    expect(notAskedYet([lost, other], asked, 1_000 + REDELIVERY_WAIT_MS - 1)).toEqual([other]);
    expect(notAskedYet([lost, other], asked, 1_000 + REDELIVERY_WAIT_MS)).toEqual([lost, other]);
    const failedAgain = attempt("lost", 0, 3, "opened", true);
    expect(notAskedYet([failedAgain], asked, 1_001)).toEqual([failedAgain]);
  });
});
