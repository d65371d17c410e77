import type { ExecResult } from "../exec.js";
import { howItEnded } from "../how-it-ended.js";

const TOO_MUCH_OUTPUT = {
  lost: "its result cannot be read",
  advice: "make what it prints smaller (a large value in an output or an attribute)",
};

/** One line on why a step of a terraform (or terragrunt) run failed: howItEnded, with terraform's advice on output too large. */
export function describeStepFailure(bin: string, step: string, r: ExecResult, timeoutMs: number): string {
  return howItEnded(`${bin} ${step}`, r, timeoutMs, TOO_MUCH_OUTPUT);
}
