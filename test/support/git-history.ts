import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Git histories built by hand for tests of which commit a merge is judged by: commits by a PR's
 * author, or by GitHub (`as`: its committer email) at a given committer time (`at`, seconds), as
 * GitHub sets them when it makes a merge's commits.
 */
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "mallory",
  GIT_AUTHOR_EMAIL: "mallory@localhost",
  GIT_COMMITTER_NAME: "mallory",
  GIT_COMMITTER_EMAIL: "mallory@localhost",
};

/** GitHub's committer email on the commits it makes (merges, squashes, rebases). */
export const GITHUB_COMMITTER = "noreply@github.com";

export const git = (cwd: string, args: string[], at?: number, as?: string): string =>
  execFileSync("git", args, {
    cwd,
    env: {
      ...env,
      ...(at ? { GIT_COMMITTER_DATE: `${at} +0000` } : {}),
      ...(as ? { GIT_COMMITTER_NAME: "GitHub", GIT_COMMITTER_EMAIL: as } : {}),
    },
    encoding: "utf8",
  }).trim();

/** Writes the files, commits them all at `at` (by `as` when given) and returns the commit. */
export function commit(src: string, files: Record<string, string>, at: number, as?: string): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  git(src, ["add", "-A"]);
  git(src, ["commit", "-q", "-m", `c${at}`], at, as);
  return git(src, ["rev-parse", "HEAD"]);
}
