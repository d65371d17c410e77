import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { PlanOutcome } from "../../runners/runner.js";
import { installHelm } from "../../scripts/install-helm.js";
import type { Project } from "../../src/model/project.js";

// Shared by the tests of charts that link out of the checkout (helm-chart-symlinks,
// helm-dependency-build-links): the server file a link could reach is the plan's kubeconfig.

export const WEB_CHART = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
export const TOKEN = "kubeconfig-user-token-0123456789";
/** The token in two pieces, each too short to be the secret the redaction knows. */
export const TOKEN_PIECES = [TOKEN.slice(0, 13), TOKEN.slice(13)];

/**
 * Helm installed and a scratch root for the file's tests, holding `kubeconfig` (with TOKEN);
 * `next()` names a new case dir under it (not made).
 */
export function helmLinkScratch(prefix: string) {
  const scratch = { helmPath: "", root: "", kubeconfig: "", n: 0, next: () => join(scratch.root, String(++scratch.n)) };
  beforeAll(async () => {
    scratch.helmPath = (await installHelm()).path;
    scratch.root = await mkdtemp(join(tmpdir(), prefix));
    scratch.kubeconfig = join(scratch.root, "plan.kubeconfig");
    await writeFile(scratch.kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      token: ${TOKEN}\n`);
  }, 120_000);
  afterAll(async () => {
    if (scratch.root) await rm(scratch.root, { recursive: true, force: true });
  });
  return scratch;
}

/** Helm's plan of the web chart at `head`/charts/web (namespace apps), its data dir in `dir`. */
export function planWeb(helmPath: string, dir: string, head: string): Promise<PlanOutcome> {
  const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
  return createHelmRunner({ helmBinary: helmPath }).plan(
    { project, checkoutDir: head, dataDir: join(dir, "data"), extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
}
