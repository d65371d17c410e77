import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import type { PlanSummary } from "../../../src/model/plan-summary.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { FakeRunner, summaryOf } from "../../fakes/fake-runner.js";

// A Helm project's drift check plans the default branch against itself: its render diff is always
// empty, and what drifted is in its live diff against the cluster.

const REPO = { owner: "acme", name: "infra" };
const MAIN = "d".repeat(40);
const FILES = {
  ".sluice.yaml": "version: 1\nprojects:\n  - name: web\n    dir: charts/web\n    helm: { namespace: prod }\n",
  "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
};
const SERVER = 'kubeconfigs:\n  "acme/*": { apply: /etc/k/deploy, plan: /etc/k/view }\n';

let deps: FakeJobDeps;
let helm: FakeRunner;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

async function check(live: PlanSummary["live"], serverConfig = SERVER): Promise<void> {
  helm = new FakeRunner("helm", { plan: () => ({ ok: true, summary: { ...summaryOf(0), ...(live ? { live } : {}) } }) });
  deps = await fakeJobDeps({ runners: { helm }, serverConfig });
  deps.fakeWorkspace.commit(MAIN, FILES);
  deps.vcs.permissions.set("alice", "write");
  const spec: JobSpec = { kind: "drift-check", trigger: "comment", filter: { project: "web" }, commentId: 7, actor: "alice" };
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 12 },
    spec,
  );
  await runJob((await deps.store.getJob(id)) as Job, deps);
}

const status = async () => (await deps.store.driftChecks()).find((c) => c.project === "web");

describe("a Kubernetes project's drift check reads its live diff", () => {
  it("what applying the branch would change in the cluster is drift; with on_drift: apply it is reported, not reconciled", async () => {
    await check({ ok: true, changes: [{ address: "ConfigMap/prod/extra", action: "delete" }] }, `${SERVER}drift: { on_drift: apply }\n`);
    // Before: in line (the render diff, git against itself, was all the check read).
    expect(await status()).toMatchObject({ status: "drifted" });
    const said = deps.vcs.comments.map((c) => c.body).join("\n");
    expect(said).toContain("drift: 1 changed outside git");
    expect(said).toContain("only the live diff against the cluster differs from git");
    // The plan comment says where the drift is (its render diff alone reads "no changes").
    expect(said).toContain("What drifted is in the cluster, not in git");
    // Nothing applied by itself.
    expect(helm.applied).toEqual([]);
  });

  it("a live diff that could not be read is an error of the check, never 'in line'", async () => {
    await check({ ok: false, reason: "helm get manifest exited with code 1: cluster unreachable" });
    expect(await status()).toMatchObject({ status: "error", reason: expect.stringContaining("cluster unreachable") });
  });

  it("control: a cluster like git is in line", async () => {
    await check({ ok: true, changes: [] });
    expect(await status()).toMatchObject({ status: "in-line" });
  });
});
