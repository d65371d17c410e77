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
import { fakeHelmCluster, type fakeRelease } from "../support/helm-dry-run.js";

/**
 * helm tells hooks apart by document (releaseutil.SortManifests reads each document's own
 * `metadata.annotations`): a `List` document has none, so the items of a List are deployed as
 * ordinary objects of the release, in its manifest, whatever annotations they carry. The plan, the
 * checks before the upgrade and its read-back must count them as helm does, or an upgrade that
 * deployed exactly what was planned is reported as not confirmed (or refused). No cluster: the
 * release is the fake's, which keeps the List in the manifest as helm does.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const listOf = (events: string) => `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: listed
      annotations:
        helm.sh/hook: ${events}
    data:
      a: b
`;

let helmPath = "";
let root = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-list-hooks-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };

async function planAndApply(template: string | undefined, afterUpgrade?: (release: ReturnType<typeof fakeRelease>) => void) {
  const dir = join(root, String(++n));
  const base = join(dir, "base");
  const head = join(dir, "head");
  await cp(FIXTURE, join(base, "charts/web"), { recursive: true });
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  if (template) await writeFile(join(head, "charts/web/templates/listed.yaml"), template);
  const runner = createHelmRunner({ helmBinary: helmPath });
  const dataDir = join(dir, "data");
  const planned = await runner.plan(
    { project, checkoutDir: head, baseCheckoutDir: base, dataDir, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
  if (!planned.ok) throw new Error(planned.message);
  const cluster = fakeHelmCluster(helmPath, { afterUpgrade });
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

describe("a helm apply of a chart rendering a List whose items carry a hook annotation", () => {
  it("the List's items are ordinary objects of the release: the upgrade that deployed them is reported applied", async () => {
    const { planned, result, upgrades } = await planAndApply(listOf("post-upgrade"));
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toContain("create ConfigMap/apps/listed");
    expect(upgrades).toHaveLength(1);
    expect(result.ok ? "" : result.message).toBe("");
  }, 120_000);

  it("an item with a test hook annotation is deployed by the upgrade as well: not refused", async () => {
    const { result, upgrades } = await planAndApply(listOf("test"));
    expect(result.ok ? "" : result.message).toBe("");
    expect(upgrades).toHaveLength(1);
  }, 120_000);

  it("control: such an item gone from the release by the read-back is not confirmed", async () => {
    const { result } = await planAndApply(listOf("post-upgrade"), (release) => {
      const manifest = release.get().stdout;
      release.replace(manifest.replace(/---\n# Source: web\/templates\/listed\.yaml[\s\S]*?(?=---|$)/, ""));
    });
    expect(result.ok ? "" : result.message).toContain("lacks ConfigMap/apps/listed");
  }, 120_000);
});
