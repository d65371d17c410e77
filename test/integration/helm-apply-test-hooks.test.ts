import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { planAndApplyWebChart } from "../support/helm-dry-run.js";

/**
 * A hook whose events include `test` is left out of the plan (`helm template --skip-tests` drops
 * every hook with a test event), but a hook with another event beside it (`test,post-upgrade`) is
 * run by `helm upgrade` all the same. The apply's check of the upgrade's server-side dry run may
 * leave out only hooks that `helm test` alone runs. No cluster here: the dry run is answered as
 * helm answers it (the release's manifest, and every hook, test ones included, in `hooks`) from
 * the real `helm template` of the same chart, and the upgrade itself is recorded, not run.
 */
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

// No release yet: the cluster answers as helm does, and keeps what the upgrade deploys.
const planAndApply = (events: string) =>
  planAndApplyWebChart(helmPath, join(root, String(++n)), { "hook.yaml": hook(events) }, { hooks: true });

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
