import { Cron } from "croner";
import { z } from "zod";
import { errorMessage } from "./errors.js";

/** Why a cron expression is refused, or undefined when croner accepts it with 5 or 6 fields. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).length;
  // croner also takes 7 fields (years); the documented contract is 5, or 6 with seconds first.
  if (fields !== 5 && fields !== 6) return `must be a cron expression with 5 fields, or 6 with seconds first (got ${fields})`;
  try {
    new Cron(expr, { paused: true });
    return undefined;
  } catch (e) {
    return `is not a valid cron expression: ${errorMessage(e).replace(/^CronPattern: /, "")}`;
  }
}

/** A cron string, checked by croner. */
export const cronSchema = z
  .string()
  .min(1)
  .superRefine((expr, ctx) => {
    const problem = cronProblem(expr);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("Cron: 5 fields (minute hour day month weekday), or 6 with seconds first (`*/5 * * * * *`). Times are UTC.");

/** The first run strictly after `after` (epoch ms), in UTC; undefined when the expression never fires again. */
export function nextRunAfter(expr: string, after: number): number | undefined {
  const next = new Cron(expr, { paused: true, timezone: "Etc/UTC" }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}
