import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" };

/** A plain checkout of `sha` from the simulator's bare repo: what the shell baseline plans in. */
export async function cloneCheckout(bareRepoDir: string, sha: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "sluice-bench-checkout-"));
  const dir = join(root, "repo");
  await run("git", ["clone", "--quiet", "--no-checkout", bareRepoDir, dir], { env });
  await run("git", ["checkout", "--quiet", "--detach", sha], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 });
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}
