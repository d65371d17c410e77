import type { PlanOutcome } from "./runner.js";

/** A failed plan's outcome, timed from `started`: the step that failed, why, and what it printed. */
export const planFailure =
  (started: number) =>
  (failedStep: string, message: string, output = ""): PlanOutcome => ({
    ok: false,
    failedStep,
    message,
    output,
    durationMs: performance.now() - started,
  });
