import { describe, expect, it } from "vitest";
import { scheduledDestroyText } from "../../src/jobs/preview/report-scheduled-destroy.js";
import type { DestroyAttempts } from "../../src/model/destroy-schedule.js";
import {
  nextScheduledDestroyAttempt,
  reportScheduledDestroyOutcome,
  scheduledDestroyAttempt,
  windowOpensAtMs,
} from "../../src/preview/scheduled-destroy-backoff.js";

const M = 60_000;
const H = 60 * M;
const T0 = Date.parse("2026-12-01T00:00:00Z");
const KEY = "scheduled-destroy:acme/web:app:staging:at:1";

describe("a failed scheduled destroy backs off: 1 h, 2 h, 4 h … at most a day (clock injected)", () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 4],
    [4, 8],
    [5, 16],
    [6, 24],
    [7, 24],
    [40, 24],
  ])("after attempt %i, the next waits %i h from the hour the attempt started in", (attempts, hours) => {
    // Started 10 minutes into the hour: the next hourly check, not the one after it, is "an hour later".
    expect(nextScheduledDestroyAttempt(attempts, T0 + 10 * M)).toBe(T0 + hours * H);
  });

  it.each([
    ["a window opening sooner than the backoff: tried when it opens", 8, T0 + 3 * H, T0 + 3 * H],
    ["a window opening later than the backoff: the backoff", 1, T0 + 5 * H, T0 + H],
    ["a window stamp already passed: the backoff", 8, T0 - H, T0 + 24 * H],
    ["no window: the backoff", 2, undefined, T0 + 2 * H],
  ])("%s", (_, attempts, opens, expected) => {
    expect(nextScheduledDestroyAttempt(attempts, T0 + M, opens)).toBe(expected);
  });

  it("over three days of hourly checks and failures, attempts start at 0, 1, 3, 7, 15, 31, 55 and 79 hours", () => {
    let kept: DestroyAttempts | undefined;
    const started: number[] = [];
    for (let hour = 0; hour <= 80; hour++) {
      // Each check runs a little into its hour, as the sweep does.
      const now = T0 + hour * H + 30_000;
      const decision = scheduledDestroyAttempt(kept, KEY, now);
      if (!decision.go) continue;
      started.push(hour);
      kept = {
        onceKey: KEY,
        attempts: decision.attempt,
        startedAt: now,
        nextAt: nextScheduledDestroyAttempt(decision.attempt, now),
        message: "boom",
      };
    }
    expect(started).toEqual([0, 1, 3, 7, 15, 31, 55, 79]);
  });
});

describe("whether an attempt may start", () => {
  const kept: DestroyAttempts = { onceKey: KEY, attempts: 3, startedAt: T0, nextAt: T0 + 4 * H, message: "boom", issue: 12 };
  it.each<[string, DestroyAttempts | undefined, string, number, ReturnType<typeof scheduledDestroyAttempt>]>([
    ["never tried: attempt 1", undefined, KEY, T0, { go: true, attempt: 1, previous: undefined, issue: undefined }],
    ["before its next time: waits", kept, KEY, T0 + 4 * H - 1, { go: false, waitUntil: T0 + 4 * H }],
    [
      "at its next time: the next attempt, with what the last one said",
      kept,
      KEY,
      T0 + 4 * H,
      { go: true, attempt: 4, previous: "boom", issue: 12 },
    ],
    // Re-applied and due again: a new destroy, counted afresh, said afresh.
    ["attempts of another due destroy: attempt 1", kept, `${KEY}x`, T0, { go: true, attempt: 1, previous: undefined, issue: undefined }],
  ])("%s", (_, given, key, now, expected) => {
    expect(scheduledDestroyAttempt(given, key, now)).toEqual(expected);
  });
});

describe("what is posted: the first failure, a different one, the success; never the same failure twice in a row", () => {
  it.each<[string, { ok: true } | { ok: false; message: string }, string | undefined, boolean]>([
    ["the first failure", { ok: false, message: "boom" }, undefined, true],
    ["the same failure again", { ok: false, message: "boom" }, "boom", false],
    ["a different failure", { ok: false, message: "⛔ refused: applies are paused" }, "boom", true],
    ["the success after failures", { ok: true }, "boom", true],
    ["a success at once", { ok: true }, undefined, true],
  ])("%s", (_, outcome, previous, posted) => {
    expect(reportScheduledDestroyOutcome(outcome, previous)).toBe(posted);
  });
});

describe("an apply window's opening, as the gate words it", () => {
  it.each([
    ["2027-01-04 00:00 UTC", Date.parse("2027-01-04T00:01:00Z")],
    ["2027-01-04T00:00Z", undefined],
    ["soon", undefined],
    [undefined, undefined],
  ])("%s", (text, ms) => {
    expect(windowOpensAtMs(text)).toBe(ms);
  });
});

describe("the report of a failed attempt", () => {
  const base = {
    project: { name: "app", dir: "app", workspace: "staging", runner: "terraform" as const },
    reason: "its `destroy_at` (2026-12-01T00:00:00Z) passed",
    last: undefined,
    head: { name: "main", sha: "c".repeat(40) },
  };
  it("a refusal says it was refused, with the gate's reason, and when it is tried again", () => {
    const text = scheduledDestroyText({
      ...base,
      attempt: 2,
      nextAt: T0 + 2 * H,
      outcome: { ok: false, refused: true, message: "⛔ refused: applies are paused by @ops (maintenance)" },
    });
    expect(text).toContain("⛔ scheduled destroy of `app` (workspace `staging`) was refused (attempt 2)");
    expect(text).toContain("tried again from 2026-12-01T02:00:00Z");
    expect(text).toContain("at most a day");
  });

  it("a success after failures says on which attempt", () => {
    const text = scheduledDestroyText({ ...base, attempt: 3, outcome: { ok: true, counts: "+0 ~0 -1" } });
    expect(text).toContain("destroyed on attempt 3 (+0 ~0 -1)");
  });
});

describe("the report of a failed run shows the tool's diagnostics", () => {
  it("the summary as the sentence, the diagnostics fenced (a backtick in them cannot break out)", () => {
    const text = scheduledDestroyText({
      project: { name: "app", dir: "app", workspace: "staging", runner: "terraform" as const },
      reason: "its `idle_ttl` (1h) passed",
      last: undefined,
      head: { name: "main", sha: "c".repeat(40) },
      attempt: 1,
      nextAt: T0 + H,
      outcome: { ok: false, refused: false, message: "terraform apply exited with code 1\nError: boom ``` <b>x</b>" },
    });
    expect(text).toContain("failed (attempt 1), because its `idle_ttl` (1h) passed: terraform apply exited with code 1. It is tried again");
    expect(text).toContain("\n\n````\nError: boom ``` <b>x</b>\n````");
  });
});
