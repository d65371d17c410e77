import { exec } from "../../runners/exec.js";
import type { ExecResult } from "../../runners/exec.js";

/**
 * A server-side dry run of `helm upgrade` answered without a cluster: the same chart and values
 * rendered by the real `helm template` (as a first install, no `lookup`), printed as helm prints a
 * release with `--output json`. For tests that fake the cluster side of a Helm apply.
 */
export async function templateAsDryRun(helm: string, upgradeArgs: readonly string[], cwd: string): Promise<ExecResult> {
  const rest = upgradeArgs.filter((a) => !["upgrade", "--install", "--dry-run=server"].includes(a));
  const out: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === "--output" || a === "--kubeconfig") i++;
    else out.push(a);
  }
  const r = await exec(helm, ["template", ...out, "--skip-tests"], { cwd, env: {}, timeoutMs: 60_000, redact: (s) => s });
  if (r.exitCode !== 0) return r;
  return { ...r, stdout: `${JSON.stringify({ name: out[0], manifest: r.stdout, hooks: [] })}\n` };
}
