import { cp, mkdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { PlanOutcome } from "../../runners/runner.js";
import { helmLinkScratch, planWeb, TOKEN_PIECES as pieces, WEB_CHART as FIXTURE } from "../support/helm-links.js";

/**
 * `helm dependency build` runs when one dependency is not vendored, and then packages every
 * `file://` dependency of the chart into `charts/` (following its symlinks), the vendored ones too:
 * each of them must stay inside the repository and hold no link out, not only the missing one.
 */
// Each piece is too short to be the secret the redaction knows; together they are the token.
const LEAK = `apiVersion: v1
kind: ConfigMap
metadata:
  name: leak
data:
  leak1: {{ .Files.Get "kc" | regexFind "token: .*" | trunc 20 | quote }}
  leak2: {{ .Files.Get "kc" | regexFind "token: .*" | substr 20 60 | quote }}
`;

const scratch = helmLinkScratch("sluice-helm-dep-links-");

/**
 * The head checkout: the web chart's `cache` dependency moved out of the chart to `cache/`
 * (`file://../../cache`), vendored under `charts/` as a package of a clean copy, and a second
 * `file://` dependency `other` that is not vendored (so helm dependency build runs).
 */
async function plan(linkOut: boolean): Promise<PlanOutcome> {
  const dir = scratch.next();
  const head = join(dir, "head");
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  const chart = join(head, "charts/web");
  await rename(join(chart, "charts/cache"), join(head, "cache"));
  await writeFile(join(head, "cache/templates/leak.yaml"), LEAK);
  // The vendored package: what the chart looks like without the link.
  const clean = join(dir, "clean");
  await cp(join(head, "cache"), join(clean, "cache"), { recursive: true });
  const packed = await exec(scratch.helmPath, ["package", join(clean, "cache"), "-d", join(chart, "charts")], {
    cwd: dir,
    env: {},
    timeoutMs: 60_000,
    redact: (s) => s,
  });
  if (packed.exitCode !== 0) throw new Error(packed.stderr);
  if (linkOut) await symlink(scratch.kubeconfig, join(head, "cache/kc"));
  else await writeFile(join(head, "cache/kc"), "token: inside-the-repository\n");
  await mkdir(join(head, "other/templates"), { recursive: true });
  await writeFile(join(head, "other/Chart.yaml"), "apiVersion: v2\nname: other\nversion: 0.1.0\n");
  const file = join(chart, "Chart.yaml");
  await writeFile(
    file,
    `${(await readFile(file, "utf8")).replace("file://charts/cache", "file://../../cache")}  - name: other\n    version: 0.1.0\n    repository: file://../../other\n`,
  );
  return planWeb(scratch.helmPath, dir, head);
}

describe("helm dependency build and a vendored file:// dependency", () => {
  it("a vendored file:// dependency holding a link out of the repository is refused when helm would build it", async () => {
    const outcome = await plan(true);
    const shown = JSON.stringify(outcome);
    for (const piece of pieces) expect(shown).not.toContain(piece);
    expect(outcome).toMatchObject({ ok: false, failedStep: "dependency build (head)" });
    expect(outcome.ok ? "" : outcome.message).toContain("dependency `cache`");
    expect(outcome.ok ? "" : outcome.message).toContain("`cache/kc` is a symlink that leads outside the repository");
  }, 120_000);

  it("control: the same dependencies with no link out are built and rendered", async () => {
    const outcome = await plan(false);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.output).toContain('leak1: "token: inside-the-re"');
  }, 120_000);
});
