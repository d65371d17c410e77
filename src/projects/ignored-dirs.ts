import picomatch from "picomatch";
import { withinTime } from "../util/within-time.js";

/** Far more than matching the dirs of a large monorepo takes (milliseconds). */
const MATCH_MS = 2000;

/**
 * The dirs autodiscovery leaves out: those `autodiscover.ignore_paths` matches. The globs come
 * from the pull request's own config and the dirs from the files it adds, and picomatch's regexps
 * backtrack (`*a*a*a*a*a*a*a*a*a*b` against a dir of 40 `a`s takes seconds, a few more `*a`
 * hours): matched within a time limit, past which the job stops with the reason.
 */
export function ignoredDirs(globs: readonly string[], dirs: readonly string[]): Set<string> {
  if (globs.length === 0) return new Set();
  const match = picomatch([...globs], { dot: true });
  const unique = [...new Set(dirs)];
  const hits = withinTime(() => unique.filter((dir) => match(dir)), MATCH_MS);
  if (hits === undefined) {
    const shown = globs.map((g) => `\`${g}\``).join(", ");
    throw new Error(
      `autodiscover.ignore_paths took longer than ${MATCH_MS / 1000} s to match the dirs of this commit (${shown}): a glob with many \`*\` backtracks on a long name; write it with fewer wildcards`,
    );
  }
  return new Set(hits.value);
}
