import type { JobTarget } from "../../../src/model/job.js";
import type { fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { newPlan } from "../../fakes/new-plan.js";

/** What the `/unlock` tests share: PR #7 of acme/infra holding project net's lock, and its saved plan. */
export const target: JobTarget = {
  installationId: 1,
  repo: { owner: "acme", name: "infra" },
  cloneUrl: "https://x.test/acme/infra.git",
  pr: 7,
};
export const lock = { repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 7 };
export type Deps = Awaited<ReturnType<typeof fakeJobDeps>>;

/** A plan of net on #7 (dir net) saved by job `jobId`: what an apply of it records. */
export function saveNetPlan(deps: Deps, jobId: number) {
  return deps.store.savePlan(newPlan({ pr: 7, planPath: "/data/plans/net.tfplan", jobId }), { sha256: "f".repeat(64), size: 4 });
}

/** An `/apply` of net on #7 that failed once terraform ran (its plan at dir net). */
export async function failedApply(deps: Deps) {
  const plan = await saveNetPlan(deps, 1);
  const row = await deps.store.recordApplyStart({ jobId: 1, repo: "acme/infra", pr: 7, project: "net", planId: plan.id });
  await deps.store.recordApplyEnd(row, "failed");
}
