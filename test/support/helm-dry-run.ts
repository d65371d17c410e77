import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exec } from "../../runners/exec.js";
import type { ExecResult } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { ApplyRequest, Exec } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";

/**
 * A server-side dry run of `helm upgrade` answered without a cluster: the same chart and values
 * rendered by the real `helm template` (as a first install, no `lookup`), printed as helm prints a
 * release with `--output json`. For tests that fake the cluster side of a Helm apply. With
 * `hooks`, as helm answers for a chart with hooks: the release's manifest without them, and every
 * hook, test ones included, in `hooks`; without, test hooks are left out and no hook is told apart.
 */
export async function templateAsDryRun(
  helm: string,
  upgradeArgs: readonly string[],
  cwd: string,
  opts: { hooks?: boolean } = {},
): Promise<ExecResult> {
  const rest = upgradeArgs.filter((a) => !["upgrade", "--install", "--dry-run=server"].includes(a));
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === "--output" || a === "--kubeconfig") i++;
    else out.push(a);
  }
  const args = ["template", ...out, ...(opts.hooks ? [] : ["--skip-tests"])];
  const r = await exec(helm, args, { cwd, env: {}, timeoutMs: 60_000, redact: (s) => s });
  if (r.exitCode !== 0) return r;
  if (!opts.hooks) return { ...r, stdout: `${JSON.stringify({ name: out[0], manifest: r.stdout, hooks: [] })}\n` };
  const docs = r.stdout.split(/^---[ \t]*\n/m).filter((d) => d.trim() !== "");
  const isHook = (d: string) => /^\s+helm\.sh\/hook:/m.test(d);
  const manifest = docs
    .filter((d) => !isHook(d))
    .map((d) => `---\n${d}`)
    .join("");
  const hooks = docs.filter(isHook).map((d) => ({ manifest: d }));
  return { ...r, stdout: `${JSON.stringify({ name: out[0], manifest, hooks })}\n` };
}

const NOT_FOUND: ExecResult = { exitCode: 1, timedOut: false, stdout: "", stderr: "Error: release: not found\n", durationMs: 1 };

/**
 * The release a cluster keeps, for the fakes: `helm get manifest` answers "release: not found"
 * until an upgrade deployed the chart, then that render's manifest (hooks aside), as helm does.
 * `replace` stands for what changes the release after the upgrade (a rollback, another upgrade).
 */
export function fakeRelease(helm: string, opts: { hooks?: boolean } = {}) {
  let deployed: string | undefined;
  return {
    get: (): ExecResult =>
      deployed === undefined ? NOT_FOUND : { exitCode: 0, timedOut: false, stdout: deployed, stderr: "", durationMs: 1 },
    /** The real upgrade's argv: rendered as its dry run renders it, its manifest kept. */
    async upgrade(args: readonly string[], cwd: string): Promise<void> {
      const dryRunArgs = args.filter((a) => !["--atomic", "--wait", "--hide-notes"].includes(a));
      const r = await templateAsDryRun(helm, dryRunArgs, cwd, opts);
      if (r.exitCode !== 0) throw new Error(`the fake upgrade could not render: ${r.stderr}`);
      deployed = (JSON.parse(r.stdout) as { manifest: string }).manifest;
    },
    replace(manifest: string | undefined): void {
      deployed = manifest;
    },
  };
}

/**
 * The cluster side of a Helm apply, for the fakes: real helm for everything but the cluster, the
 * upgrade's server-side dry run answered by templateAsDryRun, `get manifest` by the release, which
 * the upgrade deploys (then `afterUpgrade` may change it, before Sluice reads it back). `upgrades`:
 * the argv of each real upgrade.
 */
export function fakeHelmCluster(
  helm: string,
  opts: { hooks?: boolean; afterUpgrade?: (release: ReturnType<typeof fakeRelease>) => void } = {},
) {
  const release = fakeRelease(helm, { hooks: opts.hooks });
  const upgrades: string[][] = [];
  const run: Exec = async (file, args, o) => {
    if (args[0] === "get") return release.get();
    if (args[0] !== "upgrade") return exec(file, args, o);
    if (args.includes("--dry-run=server")) return templateAsDryRun(helm, args, o.cwd, { hooks: opts.hooks });
    upgrades.push(args);
    await release.upgrade(args, o.cwd);
    opts.afterUpgrade?.(release);
    return { exitCode: 0, timedOut: false, stdout: 'Release "web" has been upgraded.\n', stderr: "", durationMs: 1 };
  };
  return { exec: run, upgrades };
}

const WEB_CHART = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));

/** The `web` fixture chart as a project of its own, in namespace `apps`. */
const webChartProject: Project = {
  name: "web",
  dir: "charts/web",
  workspace: "default",
  runner: "helm",
  helm: { namespace: "apps" },
};

/**
 * The `web` fixture chart planned from a base as it is to a head with `template` added (file name
 * under templates/ → its text), then applied against fakeHelmCluster(`cluster`): the plan, the
 * apply's result and the upgrades the fake recorded. `dir`: a fresh dir of the test's.
 */
export async function planAndApplyWebChart(
  helm: string,
  dir: string,
  template: Record<string, string>,
  cluster: Parameters<typeof fakeHelmCluster>[1] = {},
) {
  const base = join(dir, "base");
  const head = join(dir, "head");
  await cp(WEB_CHART, join(base, "charts/web"), { recursive: true });
  await cp(WEB_CHART, join(head, "charts/web"), { recursive: true });
  for (const [name, text] of Object.entries(template)) await writeFile(join(head, "charts/web/templates", name), text);
  const runner = createHelmRunner({ helmBinary: helm });
  const dataDir = join(dir, "data");
  const project = webChartProject;
  const planned = await runner.plan(
    { project, checkoutDir: head, baseCheckoutDir: base, dataDir, extraArgs: [], env: {}, timeoutMs: 60_000, redact: (s) => s },
    exec,
  );
  if (!planned.ok) throw new Error(planned.message);
  const fake = fakeHelmCluster(helm, cluster);
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
  return { planned, result: await runner.apply(req, fake.exec), upgrades: fake.upgrades };
}
