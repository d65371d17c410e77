import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createRedactor } from "../../src/util/redact.js";
import { writeNewFile } from "../../src/util/write-new-file.js";
import type { PlanOutcome, PlanRequest } from "../runner.js";
import { destroyPlanOf } from "./destroy-plan.js";
import { RENDERED_FILE } from "./plan-files.js";

/** A preview's teardown plan (destroy-plan.ts), saved where the apply finds a plan. */
export async function saveDestroyPlan(
  req: PlanRequest,
  render: { yaml: string } | { problem: string },
  namespace: string,
  tool: "helm" | "kustomize",
  started: number,
): Promise<PlanOutcome> {
  const plan = destroyPlanOf(render, namespace, tool);
  await mkdir(req.dataDir, { recursive: true });
  const planFile = join(req.dataDir, RENDERED_FILE);
  await writeNewFile(planFile, plan.text);
  req.onOutput?.(createRedactor({ secrets: plan.summary.sensitiveValues, builtIn: false })(req.redact(plan.output)));
  return { ok: true, summary: plan.summary, output: plan.output, planFile, durationMs: performance.now() - started };
}
