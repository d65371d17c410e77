import { exec } from "../../runners/exec.js";
import { GIT_ENV, gitArgv } from "./git-command.js";
import { GitError, GitOutputCut } from "./git-error.js";

export interface GitRunOptions {
  /** The installation token, for a fetch: sent in an http.extraHeader from git's environment. */
  token?: string;
  redact?: (s: string) => string;
  workTree?: string;
  index?: string;
  input?: string;
  okCodes?: number[];
  /** Git's stdout goes to this new file instead of being captured (exec's `stdoutFile`). */
  stdoutFile?: string;
}

/**
 * One git command on `gitDir` (a mirror), hardened as git-command.ts says; `workTree` only when
 * writing a fresh checkout, with `index` as its index. Throws GitError when git fails. The token
 * is neither in argv (visible in `ps`) nor in the mirror's config on disk, and is redacted from
 * what git prints.
 */
export type RunGit = (gitDir: string, args: string[], opts?: GitRunOptions) => Promise<{ stdout: string; exitCode: number }>;

export function createRunGit(defaults: { timeoutMs: number; redact: (s: string) => string }): RunGit {
  return async (gitDir, args, opts = {}) => {
    const env: Record<string, string> = { ...GIT_ENV, ...(opts.index ? { GIT_INDEX_FILE: opts.index } : {}) };
    let redact = opts.redact ?? defaults.redact;
    if (opts.token) {
      const basic = Buffer.from(`x-access-token:${opts.token}`).toString("base64");
      Object.assign(env, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
      const token = opts.token;
      const outer = redact;
      redact = (s) => outer(s.split(token).join("[redacted]").split(basic).join("[redacted]"));
    }
    const r = await exec("git", gitArgv(gitDir, args, opts.workTree), {
      cwd: gitDir,
      env,
      timeoutMs: defaults.timeoutMs,
      redact,
      input: opts.input,
      ...(opts.stdoutFile === undefined ? {} : { stdoutFile: opts.stdoutFile }),
    });
    if (r.exitCode === null || !(opts.okCodes ?? [0]).includes(r.exitCode)) {
      throw new GitError(`git ${args[0]} failed (${r.timedOut ? "timed out" : `exit ${r.exitCode}`})`, (r.stderr || r.stdout).trim());
    }
    // Part of an answer would pass for all of it: a PR's changed files (a diff of a million
    // paths), a listing, the files read. Files missed, never said.
    if (r.outputCut) throw new GitOutputCut(args[0] ?? "");
    return { stdout: r.stdout, exitCode: r.exitCode };
  };
}
