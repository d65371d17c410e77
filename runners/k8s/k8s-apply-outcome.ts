import { readFile } from "node:fs/promises";
import type { ApplyOutcome } from "../runner.js";

/**
 * The outcome of a Kubernetes apply, timed from its creation; `sensitiveValues` grows as the
 * saved plan and the renders reveal Secrets, and every outcome reports what is known by then.
 */
export function k8sApplyOutcome(sensitiveValues: string[] = []) {
  const started = performance.now();
  const o = {
    sensitiveValues,
    done: (output: string): ApplyOutcome => ({
      ok: true,
      output,
      durationMs: performance.now() - started,
      sensitiveValues: o.sensitiveValues,
    }),
    fail: (message: string, output = ""): ApplyOutcome => ({
      ok: false,
      message,
      output,
      durationMs: performance.now() - started,
      sensitiveValues: o.sensitiveValues,
    }),
  };
  return o;
}

/** The saved render a Kubernetes apply sends (kustomize) or checks against (helm). */
export async function readSavedPlan(planFile: string): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  try {
    return { ok: true, text: await readFile(planFile, "utf8") };
  } catch {
    return { ok: false, message: "the saved plan is missing; run /plan again" };
  }
}
