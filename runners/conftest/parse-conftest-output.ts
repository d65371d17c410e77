import { createHash } from "node:crypto";
import { z } from "zod";
import type { PolicySetOutcome } from "../../src/model/policy-check.js";

/** One message of conftest's JSON output (`{ msg, metadata? }`). */
const resultSchema = z.object({ msg: z.string(), metadata: z.record(z.string(), z.unknown()).optional() }).passthrough();

/**
 * `conftest test --output json`: one entry per input file and namespace, as documented at
 * conftest.dev/output. `warnings`, `failures` and `exceptions` are left out when empty.
 */
const outputSchema = z.array(
  z
    .object({
      filename: z.string(),
      namespace: z.string(),
      successes: z.number().int().min(0).default(0),
      warnings: z.array(resultSchema).default([]),
      failures: z.array(resultSchema).default([]),
      exceptions: z.array(resultSchema).default([]),
    })
    .passthrough(),
);

export interface ConftestRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
  signal?: string;
}

const MAX_MESSAGES = 50;

/**
 * The first MAX_MESSAGES messages, and how many more there were: an approval carries over to a
 * plan whose set failed alike (sameFailures compares these lists), and two lists that differ past
 * the cut must not read as alike when their lengths differ.
 */
function firstMessages(all: string[]): string[] {
  if (all.length <= MAX_MESSAGES) return all;
  const more = all.length - MAX_MESSAGES;
  return [...all.slice(0, MAX_MESSAGES), `… and ${more} more not shown (${all.length} in all)`];
}

/**
 * A set that failed, with a digest of every failure when not all are kept: lists of one length
 * that differ only past the cut must not compare alike either. The digest is bare here; the one
 * project runner keys it before anything keeps it (a failure may quote a planned value).
 */
function failedSet(name: string, successes: number, all: string[], warnings: string[]): PolicySetOutcome {
  const failures = firstMessages(all);
  if (all.length <= MAX_MESSAGES) return { name, status: "failed", successes, failures, warnings };
  const allFailures = createHash("sha256")
    .update(JSON.stringify([...all].sort()))
    .digest("hex");
  return { name, status: "failed", successes, failures, warnings, allFailures };
}

/** The first line of what conftest said on stderr, for an error message. */
function firstWords(text: string): string {
  const line = text.trim().split("\n", 1)[0]?.trim() ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Pure: one policy set's outcome from conftest's exit and JSON output. conftest exits 0 when no
 * policy failed and 1 when one did; with --fail-on-warn, 1 for warnings and 2 for failures (its
 * ExitCodeFailOnWarn). Anything else, or output that is not its JSON, is an evaluation error: it
 * fails closed, never passes.
 */
export function parseConftestOutput(name: string, run: ConftestRun): PolicySetOutcome {
  const error = (message: string): PolicySetOutcome => ({ name, status: "error", message });
  if (run.timedOut) return error("conftest timed out and was stopped");
  if (run.signal) return error(`conftest was killed by ${run.signal}`);
  if (run.exitCode !== 0 && run.exitCode !== 1 && run.exitCode !== 2) {
    const said = firstWords(run.stderr);
    return error(`conftest exited with code ${run.exitCode}${said ? `: ${said}` : ""}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    // conftest reports policy load and parse errors on stderr, exits 1 and prints no results.
    const said = firstWords(run.stderr);
    if (run.exitCode === 2) return error(`conftest exited with code 2${said ? `: ${said}` : ""}`);
    return error(said ? `conftest could not evaluate the policies: ${said}` : "conftest printed no JSON results");
  }
  const parsed = outputSchema.safeParse(json);
  if (!parsed.success) return error("conftest's output is not the JSON it documents (an array of results per file and namespace)");
  const results = parsed.data;
  if (results.length === 0) return error("conftest evaluated nothing (no results)");
  const allFailures = results.flatMap((r) => r.failures.map((f) => f.msg));
  const allWarnings = results.flatMap((r) => r.warnings.map((w) => w.msg));
  const warnings = firstMessages(allWarnings);
  const successes = results.reduce((n, r) => n + r.successes, 0);
  const exceptions = results.reduce((n, r) => n + r.exceptions.length, 0);
  // No rule evaluated at all (e.g. the policies declare another namespace): nothing was checked.
  if (successes + allFailures.length + allWarnings.length + exceptions === 0) {
    return error("conftest evaluated no rule: check the policies' package and the --namespace / --all-namespaces arguments");
  }
  if (allFailures.length > 0) return failedSet(name, successes, allFailures, warnings);
  // Exit 2 says failures (--fail-on-warn): with none in the JSON, the output is not what it said.
  if (run.exitCode === 2)
    return error(`conftest exited with code 2 but reported no failure${run.stderr.trim() ? `: ${firstWords(run.stderr)}` : ""}`);
  // Exit 1 with nothing failed: conftest saw a problem its JSON does not show (e.g. --fail-on-warn).
  if (run.exitCode === 1) {
    return allWarnings.length > 0
      ? failedSet(name, successes, allWarnings, [])
      : error(`conftest exited with code 1 but reported no failure${run.stderr.trim() ? `: ${firstWords(run.stderr)}` : ""}`);
  }
  return { name, status: "passed", successes, warnings };
}
