import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ApplyOutcome, ApplyRequest, PlanOutcome, PlanRequest, Runner } from "../../runners/runner.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { Project, RunnerKind } from "../../src/model/project.js";
import { summary } from "../golden/fixtures.js";

/** A plan summary with `add` creates and nothing else. */
export function summaryOf(add: number, sensitiveValues: string[] = []): PlanSummary {
  const resources = Array.from({ length: add }, (_, i) => ({ address: `terraform_data.r${i}`, action: "create" as const }));
  // Digests of the planned values, as terraform's summary has them: a re-plan can be compared by value.
  const changeHashes = Object.fromEntries(resources.map((r) => [r.address, `digest-of-${r.address}`]));
  return summary({ add, change: 0, destroy: 0, replace: 0, resources, hasChanges: add > 0, sensitiveValues, changeHashes });
}

type Scripted<T> = T | ((project: Project) => T | Promise<T>);

export interface FakeRunnerScript {
  /** What a plan of a project answers; default: one create. A failure is `{ ok: false, … }`. */
  plan?: (project: Project) => { ok: true; summary: PlanSummary; output?: string } | Extract<PlanOutcome, { ok: false }>;
  apply?: Scripted<{ ok: true } | { ok: false; message: string }>;
  /** Runs inside the plan before it answers (e.g. to hold it until the test says go). */
  during?: (project: Project, req: PlanRequest) => Promise<void>;
}

/**
 * A Runner with scripted outcomes per project, recording every call in order. A successful plan
 * writes a real plan file into the request's data dir (the job hashes it and makes it read-only),
 * with the project's identity in it.
 */
export class FakeRunner implements Runner {
  readonly calls: { verb: "plan" | "apply"; project: Project; request: PlanRequest | ApplyRequest }[] = [];
  /** Projects whose plan is running right now; `maxConcurrent` is the most there ever were at once. */
  private running = 0;
  maxConcurrent = 0;

  constructor(
    readonly kind: RunnerKind = "terraform",
    private readonly script: FakeRunnerScript = {},
    readonly needsBase = false,
  ) {}

  get planned(): string[] {
    return this.calls.filter((c) => c.verb === "plan").map((c) => c.project.name);
  }

  get applied(): string[] {
    return this.calls.filter((c) => c.verb === "apply").map((c) => c.project.name);
  }

  async plan(req: PlanRequest): Promise<PlanOutcome> {
    this.calls.push({ verb: "plan", project: req.project, request: req });
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      await this.script.during?.(req.project, req);
      const scripted = this.script.plan?.(req.project) ?? { ok: true as const, summary: summaryOf(1) };
      if (!scripted.ok) return scripted;
      const output = scripted.output ?? `planned ${req.project.name}`;
      req.onOutput?.(output);
      await mkdir(req.dataDir, { recursive: true });
      const planFile = join(req.dataDir, "plan.bin");
      await writeFile(planFile, `plan of ${req.project.dir} ${req.project.workspace} ${req.project.name}\n`);
      return { ok: true, summary: scripted.summary, output, planFile, durationMs: 1 };
    } finally {
      this.running--;
    }
  }

  async apply(req: ApplyRequest): Promise<ApplyOutcome> {
    this.calls.push({ verb: "apply", project: req.project, request: req });
    const a = this.script.apply;
    const scripted = (typeof a === "function" ? await a(req.project) : a) ?? { ok: true as const };
    return { ...scripted, output: `applied ${req.project.name}`, durationMs: 1, sensitiveValues: [] };
  }
}
