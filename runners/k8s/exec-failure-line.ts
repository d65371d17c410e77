import type { ExecResult } from "../exec.js";
import { howItEnded } from "../how-it-ended.js";

/** klog's prefix (`E1121 14:08:23.337590    8705 memcache.go:265] …`): kubectl's retries, not its verdict. */
const KLOG = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/;

/**
 * What failed, plus the stderr line that says why. kubectl prints klog retry lines and deprecation
 * warnings before its verdict, and a conflict error is followed by a page of advice, so the first
 * `error:`/`Error…` line is taken, else the first line that is not noise; a line ending in `:`
 * (helm's `Error: 1 error occurred:`) takes the next one along.
 */
export function execFailureLine(what: string, r: ExecResult, timeoutMs: number): string {
  const head = howItEnded(what, r, timeoutMs);
  if (r.timedOut || r.signal) return head;
  const all = r.stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const verdicts = all.filter((l) => !KLOG.test(l));
  // Only klog lines: the last retry is still better than no reason at all.
  const lines = verdicts.length > 0 ? verdicts : all.slice(-1);
  let at = lines.findIndex((l) => /^error\b/i.test(l));
  if (at < 0) at = lines.findIndex((l) => !/^warning\b/i.test(l));
  if (at < 0) at = 0;
  let why = lines[at];
  if (why === undefined) return head;
  while (why.endsWith(":") && lines[at + 1] !== undefined) why = `${why} ${lines[++at]}`;
  return `${head}: ${why}`;
}
