import { describe, expect, it } from "vitest";
import type { ExecResult } from "../../runners/exec.js";
import { howItEnded } from "../../runners/how-it-ended.js";
import { limitHit } from "../../runners/sandbox/sandbox-limits.js";
import { describeStepFailure } from "../../runners/terraform/describe-step-failure.js";

const limits = { diskBytes: 1024 ** 2 };
const run = (over: Partial<ExecResult>): ExecResult => ({ exitCode: 1, timedOut: false, stdout: "", stderr: "", durationMs: 1, ...over });

describe("a run's failure, said as it happened", () => {
  it("a run that exited by itself and was found over the disk limit only at its end keeps its exit code, and is not said stopped", () => {
    const r = run({ exitCode: 3, limit: { ...limitHit("disk", limits), atEnd: true } });
    for (const line of [describeStepFailure("terraform", "apply", r, 60_000), howItEnded("helm upgrade", r, 60_000)]) {
      expect(line).not.toContain("stopped");
      expect(line).toContain("exited with code 3; its dirs were measured at its end: the disk limit (1 MiB) was exceeded");
    }
  });

  it("control: a run the watch stopped for its disk is said stopped", () => {
    const r = run({ exitCode: null, signal: "SIGKILL", limit: limitHit("disk", limits) });
    expect(describeStepFailure("terraform", "apply", r, 60_000)).toBe(
      "terraform apply was stopped: the disk limit (1 MiB) was exceeded (server setting `limits`)",
    );
    expect(howItEnded("helm upgrade", r, 60_000)).toBe(
      "helm upgrade was stopped: the disk limit (1 MiB) was exceeded (server setting `limits`)",
    );
  });

  it("output past what Sluice keeps: terraform's line says what to make smaller, another tool's says what is lost", () => {
    const r = run({ exitCode: 0, outputCut: true });
    expect(describeStepFailure("terraform", "show", r, 60_000)).toBe(
      "terraform show printed more than 64M characters, more than Sluice keeps of a run's output, so its result cannot be read (exit code 0): make what it prints smaller (a large value in an output or an attribute)",
    );
    expect(howItEnded("helm template", r, 60_000)).toBe(
      "helm template printed more than 64M characters, more than Sluice keeps of a run's output, so what it printed cannot be read whole (exit code 0)",
    );
  });
});
