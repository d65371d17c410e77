import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Writes `files` to a fresh dir and commits them in a git repo there, as a checkout would look. */
export async function writeRepoDir(files: Record<string, string>): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "sluice-bench-repo-"));
  const dirs = new Set(Object.keys(files).map((f) => dirname(join(root, f))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  const entries = Object.entries(files);
  for (let i = 0; i < entries.length; i += 256) {
    await Promise.all(entries.slice(i, i + 256).map(([f, text]) => writeFile(join(root, f), text)));
  }
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@localhost",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@localhost",
  };
  await run("git", ["init", "--quiet"], { cwd: root, env });
  await run("git", ["add", "-A"], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });
  await run("git", ["commit", "--quiet", "-m", "bench"], { cwd: root, env });
  return { dir: root, remove: () => rm(root, { recursive: true, force: true }) };
}
