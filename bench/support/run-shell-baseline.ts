import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(import.meta.dirname, "plan-all.sh");

/**
 * Runs plan-all.sh over `dirs` of `checkoutDir` with `parallel` at a time, in the environment the
 * app gives terraform (empty CLI config, no checkpoint, automation mode); returns the wall time.
 * `binDir` goes first on PATH (a stand-in terraform).
 */
export async function runShellBaseline(checkoutDir: string, dirs: readonly string[], parallel: number, binDir?: string): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), "sluice-bench-shell-"));
  const cliConfig = join(root, "terraformrc");
  await writeFile(cliConfig, "");
  const data = join(root, "data");
  const env = {
    PATH: [binDir, process.env.PATH ?? "/usr/bin:/bin"].filter(Boolean).join(":"),
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
  };
  try {
    const started = performance.now();
    const child = spawn("bash", [SCRIPT, String(parallel), data], { cwd: checkoutDir, env, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-8_192);
    });
    child.stdin.end(`${dirs.join("\n")}\n`);
    const code = await new Promise<number | null>((res, rej) => {
      child.once("error", rej);
      child.once("exit", (c) => res(c));
    });
    const elapsed = performance.now() - started;
    if (code !== 0) throw new Error(`plan-all.sh exited with ${code}:\n${stderr}`);
    return elapsed;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
