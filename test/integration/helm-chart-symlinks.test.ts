import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlanOutcome } from "../../runners/runner.js";
import { helmLinkScratch, planWeb, TOKEN_PIECES as pieces, WEB_CHART as FIXTURE } from "../support/helm-links.js";

/**
 * A pull request's chart holding a symlink out of the checkout: helm follows it when it loads the
 * chart, so a template could render the server file it points to (the plan's kubeconfig, which
 * every Helm plan run can read) into the diff, cut into pieces no redaction finds.
 */
// Each piece is too short to be the secret the redaction knows; together they are the token.
const LEAK = `  leak1: {{ .Files.Get "files/kc" | regexFind "token: .*" | trunc 20 | quote }}
  leak2: {{ .Files.Get "files/kc" | regexFind "token: .*" | substr 20 60 | quote }}
`;

const scratch = helmLinkScratch("sluice-helm-links-");

async function plan(change: (chart: string, head: string) => Promise<void>): Promise<PlanOutcome> {
  const dir = scratch.next();
  const head = join(dir, "head");
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  const chart = join(head, "charts/web");
  await mkdir(join(chart, "files"));
  await change(chart, head);
  return planWeb(scratch.helmPath, dir, head);
}

async function leakThrough(chart: string) {
  const file = join(chart, "templates/configmap.yaml");
  await writeFile(file, (await readFile(file, "utf8")).replace(/\n?$/, `\n${LEAK}`));
}

describe("a chart's symlinks", () => {
  it("a link to a server file (the kubeconfig) is refused: nothing of the file is rendered", async () => {
    const outcome = await plan(async (chart) => {
      await symlink(scratch.kubeconfig, join(chart, "files/kc"));
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
      await symlink(scratch.root, join(chart, "files"));
    });
    expect(outcome).toMatchObject({ ok: false, failedStep: "checkout" });
    expect(outcome.ok ? "" : outcome.message).toContain("`charts/web/files` is a symlink that leads outside the repository");
  });

  it("a file:// dependency helm would build from outside the repository, or holding such a link, is refused", async () => {
    const outside = await plan(async (chart) => {
      await cp(join(chart, "charts/cache"), join(scratch.root, `cache-${scratch.n}`), { recursive: true });
      await rm(join(chart, "charts/cache"), { recursive: true });
      const file = join(chart, "Chart.yaml");
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace("file://charts/cache", `file://${join(scratch.root, `cache-${scratch.n}`)}`),
      );
    });
    expect(outside).toMatchObject({ ok: false, failedStep: "dependency build (head)" });
    expect(outside.ok ? "" : outside.message).toContain("dependency `cache`");
    const linked = await plan(async (chart, head) => {
      await rename(join(chart, "charts/cache"), join(head, "cache"));
      await symlink(scratch.kubeconfig, join(head, "cache/kc"));
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
