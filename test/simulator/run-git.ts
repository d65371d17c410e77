import { execFile } from "node:child_process";

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export interface RunGitOptions {
  gitDir?: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (e.g. 1 from `merge-tree` on conflicts). */
  okCodes?: number[];
}

// The machine may have no git identity and an arbitrary user config: pin both so commits work
// everywhere and no user setting changes what the simulator serves.
export const gitEnv: Record<string, string> = {
  GIT_AUTHOR_NAME: "Sluice Simulator",
  GIT_AUTHOR_EMAIL: "simulator@sluice.invalid",
  GIT_COMMITTER_NAME: "Sluice Simulator",
  GIT_COMMITTER_EMAIL: "simulator@sluice.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  LC_ALL: "C",
};

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...gitEnv, ...extra };
}

export function runGit(args: string[], opts: RunGitOptions = {}): Promise<GitResult> {
  const env = childEnv({ ...(opts.gitDir ? { GIT_DIR: opts.gitDir } : {}), ...opts.env });
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { env, encoding: "buffer", maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      const result = { stdout, stderr: stderr.toString("utf8"), code };
      if (code === 0 || opts.okCodes?.includes(code)) return resolve(result);
      reject(new Error(`git ${args.join(" ")} failed (${code}): ${result.stderr.trim()}`));
    });
    // A git that exits early closes stdin under us; the exit code already says what went wrong.
    child.stdin?.on("error", () => {});
    child.stdin?.end(opts.input ?? "");
  });
}

export async function gitText(args: string[], opts: RunGitOptions = {}): Promise<string> {
  return (await runGit(args, opts)).stdout.toString("utf8").trim();
}
