import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";
import { installHelm } from "../../scripts/install-helm.js";
import { applyOf, type PlannedAgainstInstalled, planAgainstInstalled } from "../support/helm-installed.js";
import { clusterObject, clusterRelease } from "../support/k8s-stand-in.js";

/**
 * What `helm upgrade` renders against the cluster can differ from the `helm template` render the
 * plan showed and the gate judged: `.Release.IsUpgrade` is false in a template and true in an
 * upgrade of an installed release, `lookup` reads the cluster only then, and the capabilities are
 * the cluster's. The helm stand-in renders an upgrade of an existing release as helm does
 * (`--is-upgrade`), in its file cluster.
 */
const ONLY_ON_UPGRADE = `{{- if .Release.IsUpgrade }}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: pr-author-is-admin
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ kind: User, name: mallory }]
{{- end }}
`;

let root = "";
let n = 0;
beforeAll(async () => {
  await installHelm();
  root = await mkdtemp(join(tmpdir(), "sluice-helm-upgrade-render-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
/**
 * A cluster where the operator installed the base chart (`installed` changes what was installed),
 * and the PR's head planned against it.
 */
const plannedAgainstInstalled = (change?: (chart: string) => Promise<void>, installed?: (chart: string) => Promise<void>) =>
  planAgainstInstalled(join(root, String(++n)), project, { change, installed });

const apply = (p: PlannedAgainstInstalled) => p.runner.apply(applyOf(p), exec);

describe("a helm apply renders what was planned", () => {
  it("an object the upgrade renders and the plan's template did not (.Release.IsUpgrade) is refused, nothing applied", async () => {
    const p = await plannedAgainstInstalled((chart) => writeFile(join(chart, "templates/escalate.yaml"), ONLY_ON_UPGRADE));
    // The plan the gate reads (auto_approve: empty, types, max_changes) and people review: nothing.
    expect(p.outcome.ok && p.outcome.summary.hasChanges).toBe(false);
    const result = await apply(p);
    expect(await clusterObject(p.cluster, "apps", "RoleBinding", "pr-author-is-admin")).toBeUndefined();
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.message).toContain("create a RoleBinding the plan does not have");
    expect(result.ok ? "" : result.message).not.toContain("pr-author-is-admin");
    expect(result.ok ? "" : result.message).toContain("nothing was applied");
    expect((await clusterRelease(p.cluster, "apps", "web"))?.version).toBe(1);
  });

  it("control: a planned change is applied, and the release upgraded", async () => {
    const p = await plannedAgainstInstalled(async (chart) => {
      const values = join(chart, "values.yaml");
      await writeFile(values, (await readFile(values, "utf8")).replace("replicaCount: 2", "replicaCount: 3"));
    });
    expect(p.outcome.ok && p.outcome.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual(["update Deployment/apps/web-web"]);
    const result = await apply(p);
    if (!result.ok) throw new Error(result.message);
    expect((await clusterObject(p.cluster, "apps", "Deployment", "web-web"))?.spec?.replicas).toBe(3);
    expect((await clusterRelease(p.cluster, "apps", "web"))?.version).toBe(2);
  });

  it("control: a value generated on every render (a random password) does not count as a difference", async () => {
    const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: generated\nstringData:\n  password: {{ randAlphaNum 24 | quote }}\n";
    const p = await plannedAgainstInstalled((chart) => writeFile(join(chart, "templates/generated.yaml"), secret));
    expect(p.outcome.ok && p.outcome.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual(["create Secret/apps/generated"]);
    const result = await apply(p);
    if (!result.ok) throw new Error(result.message);
    expect(await clusterObject(p.cluster, "apps", "Secret", "generated")).toBeDefined();
  });

  it("a Secret value the upgrade takes from the cluster (lookup of an existing password) is redacted from its output", async () => {
    const CLUSTER_PASSWORD = "held-by-the-cluster-only-42";
    const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: generated\nstringData:\n  password: {{ randAlphaNum 24 | quote }}\n";
    const p = await plannedAgainstInstalled((chart) => writeFile(join(chart, "templates/generated.yaml"), secret));
    // The cluster's side: its dry run renders the existing password; the upgrade fails quoting it.
    const run: Exec = async (file, args, opts) => {
      const r = await (args[0] === "upgrade" && !args.includes("--dry-run=server")
        ? Promise.resolve({
            exitCode: 1,
            timedOut: false,
            stdout: "",
            stderr: `Error: UPGRADE FAILED: bad value ${CLUSTER_PASSWORD}\n`,
            durationMs: 1,
          })
        : exec(file, args, opts));
      if (!args.includes("--dry-run=server")) return r;
      const release = JSON.parse(r.stdout) as { manifest: string };
      release.manifest = release.manifest.replace(/password: .*/, `password: "${CLUSTER_PASSWORD}"`);
      return { ...r, stdout: JSON.stringify(release) };
    };
    const result = await p.runner.apply(applyOf(p), run);
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining("helm upgrade") });
    expect(result.sensitiveValues).toContain(CLUSTER_PASSWORD);
  });

  it("an object the release holds and the plan does not show deleted (deployed from another commit) is not deleted by the upgrade", async () => {
    // Deployed from a pull request that was applied and then closed: the base branch never had it.
    const claim =
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: { requests: { storage: 1Gi } }\n";
    const p = await plannedAgainstInstalled(undefined, (chart) => writeFile(join(chart, "templates/data.yaml"), claim));
    // What the gate reads (protect: PersistentVolumeClaim/*): nothing is deleted.
    expect(p.outcome.ok && p.outcome.summary.hasChanges).toBe(false);
    const result = await apply(p);
    expect(await clusterObject(p.cluster, "apps", "PersistentVolumeClaim", "data")).toBeDefined();
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.message).toContain("would delete `PersistentVolumeClaim/apps/data`");
  });

  it("control: an object the plan shows deleted is deleted", async () => {
    const p = await plannedAgainstInstalled(async (chart) => {
      await rm(join(chart, "templates/service.yaml"));
    });
    expect(p.outcome.ok && p.outcome.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual(["delete Service/apps/web-web"]);
    const result = await apply(p);
    if (!result.ok) throw new Error(result.message);
    expect(await clusterObject(p.cluster, "apps", "Service", "web-web")).toBeUndefined();
  });
});
