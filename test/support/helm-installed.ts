import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { ApplyRequest, PlanOutcome } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";
import { newCluster, STAND_IN, type StandInCluster, standIn } from "./k8s-stand-in.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };

/** What the plan of the web chart against a cluster made, and where, for its apply. */
export type PlannedAgainstInstalled = {
  runner: ReturnType<typeof createHelmRunner>;
  project: Project;
  head: string;
  dataDir: string;
  planFile: string;
  outcome: Extract<PlanOutcome, { ok: true }>;
  cluster: StandInCluster;
};

/**
 * The fixture chart `web` at `charts/web` of a base and a head checkout under `dir`, the head
 * edited by `change`, planned by the helm stand-in against a stand-in cluster where the operator
 * installed the base chart (edited by `installed`) as release `web` in `apps`.
 */
export async function planAgainstInstalled(
  dir: string,
  project: Project,
  edits: { change?: (chart: string) => Promise<void>; installed?: (chart: string) => Promise<void> } = {},
): Promise<PlannedAgainstInstalled> {
  const base = join(dir, "base");
  const head = join(dir, "head");
  await cp(FIXTURE, join(base, "charts/web"), { recursive: true });
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  await edits.change?.(join(head, "charts/web"));
  const cluster = await newCluster(dir, "prod");
  const home = join(dir, "operator-helm");
  await mkdir(home);
  const deployed = join(dir, "deployed");
  await cp(join(base, "charts/web"), deployed, { recursive: true });
  await edits.installed?.(deployed);
  await standIn(
    "helm",
    ["upgrade", "--install", "--create-namespace", "web", deployed, "--namespace", "apps", "--kubeconfig", cluster.kubeconfig],
    home,
  );
  const runner = createHelmRunner({ helmBinary: STAND_IN.helm });
  const dataDir = join(dir, "data");
  const outcome = await runner.plan(
    { project, checkoutDir: head, baseCheckoutDir: base, dataDir, extraArgs: [], env, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return { runner, project, head, dataDir, planFile: outcome.planFile, outcome, cluster };
}

/** The apply of that plan, with the cluster's kubeconfig. */
export function applyOf(p: PlannedAgainstInstalled): ApplyRequest {
  return {
    project: p.project,
    checkoutDir: p.head,
    dataDir: p.dataDir,
    planFile: p.planFile,
    env,
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
    kubeconfig: p.cluster.kubeconfig,
  };
}
