import { exec } from "../../runners/exec.js";
import type { ExecResult } from "../../runners/exec.js";

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
