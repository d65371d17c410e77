import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { Project } from "../../src/model/project.js";
import type { PlanOutcome } from "../../runners/runner.js";

/**
 * A pull request's chart holding a symlink out of the checkout: helm follows it when it loads the
 * chart, so a template could render the server file it points to (the plan's kubeconfig, which
 * every Helm plan run can read) into the diff, cut into pieces no redaction finds.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const TOKEN = "kubeconfig-user-token-0123456789";
// Each piece is too short to be the secret the redaction knows; together they are the token.
const LEAK = `  leak1: {{ .Files.Get "files/kc" | regexFind "token: .*" | trunc 20 | quote }}
  leak2: {{ .Files.Get "files/kc" | regexFind "token: .*" | substr 20 60 | quote }}
`;

let helmPath = "";
let root = "";
let kubeconfig = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-links-"));
  kubeconfig = join(root, "plan.kubeconfig");
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      token: ${TOKEN}\n`);
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function plan(change: (chart: string, head: string) => Promise<void>): Promise<PlanOutcome> {
  const dir = join(root, String(++n));
  const head = join(dir, "head");
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  const chart = join(head, "charts/web");
  await mkdir(join(chart, "files"));
  await change(chart, head);
  const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
  return createHelmRunner({ helmBinary: helmPath }).plan(
    { project, checkoutDir: head, dataDir: join(dir, "data"), extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
}

async function leakThrough(chart: string) {
  const file = join(chart, "templates/configmap.yaml");
  await writeFile(file, (await readFile(file, "utf8")).replace(/\n?$/, `\n${LEAK}`));
}

const pieces = [TOKEN.slice(0, 13), TOKEN.slice(13)];

describe("a chart's symlinks", () => {
  it("a link to a server file (the kubeconfig) is refused: nothing of the file is rendered", async () => {
    const outcome = await plan(async (chart) => {
      await symlink(kubeconfig, join(chart, "files/kc"));
      await leakThrough(chart);
    });
    const shown = JSON.stringify(outcome);
    for (const piece of pieces) expect(shown).not.toContain(piece);
    expect(outcome).toMatchObject({ ok: false, failedStep: "checkout" });
    expect(outcome.ok ? "" : outcome.message).toContain("`charts/web/files/kc` is a symlink that leads outside the repository");
  });

  it("a link to a dir outside is refused too (helm walks what it leads to)", async () => {
    const outcome = await plan(async (chart) => {
      await rm(join(chart, "files"), { recursive: true });
      await symlink(root, join(chart, "files"));
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "checkout" });
    expect(outcome.ok ? "" : outcome.message).toContain("`charts/web/files` is a symlink that leads outside the repository");
  });

  it("a file:// dependency helm would build from outside the repository, or holding such a link, is refused", async () => {
    const outside = await plan(async (chart) => {
      await cp(join(chart, "charts/cache"), join(root, `cache-${n}`), { recursive: true });
      await rm(join(chart, "charts/cache"), { recursive: true });
      const file = join(chart, "Chart.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("file://charts/cache", `file://${join(root, `cache-${n}`)}`));
    });
    expect(outside).toMatchObject({ ok: false, failedStep: "dependency build (head)" });
    expect(outside.ok ? "" : outside.message).toContain("dependency `cache`");
    const linked = await plan(async (chart, head) => {
      await rename(join(chart, "charts/cache"), join(head, "cache"));
      await symlink(kubeconfig, join(head, "cache/kc"));
      const file = join(chart, "Chart.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("file://charts/cache", "file://../../cache"));
    });
    expect(linked).toMatchObject({ ok: false, failedStep: "dependency build (head)" });
    expect(linked.ok ? "" : linked.message).toContain("`cache/kc` is a symlink that leads outside the repository");
  });

  it("control: links that stay inside the repository are followed as helm does", async () => {
    const outcome = await plan(async (chart, head) => {
      await mkdir(join(head, "shared"));
      await writeFile(join(head, "shared/kc"), "token: shared-inside-the-repo\n");
      await symlink("../../../shared/kc", join(chart, "files/kc"));
      await symlink("../../../shared", join(chart, "files/shared"));
      await leakThrough(chart);
    });
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.output).toContain('leak1: "token: shared-inside"\n+  leak2: -the-repo');
  });
});
