import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { ApplyRequest } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";
import { installHelm } from "../../scripts/install-helm.js";
import { fakeHelmCluster } from "../support/helm-dry-run.js";

/**
 * A hook whose events include `test` is left out of the plan (`helm template --skip-tests` drops
 * every hook with a test event), but a hook with another event beside it (`test,post-upgrade`) is
 * run by `helm upgrade` all the same. The apply's check of the upgrade's server-side dry run may
 * leave out only hooks that `helm test` alone runs. No cluster here: the dry run is answered as
 * helm answers it (the release's manifest, and every hook, test ones included, in `hooks`) from
 * the real `helm template` of the same chart, and the upgrade itself is recorded, not run.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const hook = (events: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: pr-author-is-cluster-admin
  annotations:
    helm.sh/hook: ${events}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: User, name: mallory }]
`;

let helmPath = "";
let root = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-test-hooks-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };

async function planAndApply(events: string) {
  const dir = join(root, String(++n));
  const base = join(dir, "base");
  const head = join(dir, "head");
  await cp(FIXTURE, join(base, "charts/web"), { recursive: true });
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  await writeFile(join(head, "charts/web/templates/hook.yaml"), hook(events));
  const runner = createHelmRunner({ helmBinary: helmPath });
  const dataDir = join(dir, "data");
  const planned = await runner.plan(
    { project, checkoutDir: head, baseCheckoutDir: base, dataDir, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
  if (!planned.ok) throw new Error(planned.message);
  // No release yet: the cluster answers as helm does, and keeps what the upgrade deploys.
  const cluster = fakeHelmCluster(helmPath, { hooks: true });
  const req: ApplyRequest = {
    project,
    checkoutDir: head,
    dataDir,
    planFile: planned.planFile,
    env: {},
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
    kubeconfig: "/etc/sluice/kube/acme.yaml",
  };
  return { planned, result: await runner.apply(req, cluster.exec), upgrades: cluster.upgrades };
}

describe("a helm apply and the chart's test hooks", () => {
  it("a hook run by the upgrade as well as by helm test (test,post-upgrade), which the plan leaves out, is refused", async () => {
    const { planned, result, upgrades } = await planAndApply("test,post-upgrade");
    // The plan (and every rule that reads it) shows nothing: helm template --skip-tests dropped it.
    expect(planned.ok && planned.summary.hasChanges).toBe(false);
    expect(upgrades).toEqual([]);
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.message).toContain("create a ClusterRoleBinding the plan does not have");
  }, 120_000);

  it("control: a hook only helm test runs (test, or Helm 2's test-success) is left out, and the upgrade runs", async () => {
    for (const events of ["test", "test-success"]) {
      const { result, upgrades } = await planAndApply(events);
      if (!result.ok) throw new Error(result.message);
      expect(upgrades).toHaveLength(1);
    }
  }, 120_000);
});
