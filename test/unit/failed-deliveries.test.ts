import { describe, expect, it } from "vitest";
import { deliveriesToRedeliver } from "../../src/heal/failed-deliveries.js";
import type { HookDelivery } from "../../src/model/hook-delivery.js";

let id = 0;
const attempt = (guid: string, statusCode: number, at: number, action = "opened"): HookDelivery => ({
  id: ++id,
  guid,
  at,
  statusCode,
  event: "pull_request",
  action,
});

describe("deliveriesToRedeliver: which failed webhook deliveries Sluice asks GitHub for again", () => {
  it("asks once, for the latest attempt, for each delivery no attempt of which was answered", () => {
    const down = attempt("down", 0, 1);
    const downAgain = attempt("down", 0, 5);
    const full = attempt("disk-full", 503, 2);
    const slow = attempt("rate", 429, 3);
    expect(deliveriesToRedeliver([downAgain, down, full, slow])).toEqual([full, slow, downAgain]);
  });

  it("control: a delivery answered once is never asked for again, whatever the other attempts said", () => {
    expect(deliveriesToRedeliver([attempt("ok", 202, 1)])).toEqual([]);
    expect(deliveriesToRedeliver([attempt("later-ok", 0, 1), attempt("later-ok", 202, 2)])).toEqual([]);
    expect(deliveriesToRedeliver([attempt("ok-then-down", 202, 1), attempt("ok-then-down", 0, 2)])).toEqual([]);
  });

  it("a refusal on purpose (a wrong signature, a malformed body) is not asked for again: it would be refused alike", () => {
    expect(deliveriesToRedeliver([attempt("bad-signature", 401, 1), attempt("malformed", 400, 2)])).toEqual([]);
    // Its latest answer decides: down first, then refused.
    expect(deliveriesToRedeliver([attempt("down-then-refused", 0, 1), attempt("down-then-refused", 401, 2)])).toEqual([]);
  });

  it("a pull request's close is left to the heal: a merge not heard in time is never applied late (control: its opening is asked for)", () => {
    const closed = attempt("closed", 0, 1, "closed");
    const reopened = attempt("reopened", 0, 2, "reopened");
    expect(deliveriesToRedeliver([closed, reopened])).toEqual([reopened]);
  });
});
