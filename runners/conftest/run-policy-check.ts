import { stat } from "node:fs/promises";
import type { PolicyCheck } from "../../src/model/policy-check.js";
import type { Exec } from "../runner.js";
import { conftestArgv } from "./conftest-argv.js";
import { parseConftestOutput } from "./parse-conftest-output.js";

/** What the server config gives a plan: the conftest binary and the policy sets to run. */
export interface PolicyCheckRequest {
  binary: string;
  sets: { name: string; path: string }[];
  /** From a `policy_check` step's `extra_args` (e.g. `--all-namespaces`). */
  extraArgs: string[];
}

/**
 * Where conftest runs for a set: conftest reads a `conftest.toml` in its working directory for every
 * setting no flag gives (`combine`, `namespace`, `data`, …), so never the project dir, which is
 * the PR's (`combine = true` there hands the rules an array, and every plan rule passes). The
 * set's own dir is the operator's (mounted read-only into the run); a set that is one file runs
 * in `/`, which no run can write.
 */
const conftestCwd = (path: string) =>
  stat(path).then(
    (s) => (s.isDirectory() ? path : "/"),
    () => "/",
  );

/**
 * The run's environment without conftest's own settings (CONFTEST_COMBINE, CONFTEST_NAMESPACE, …,
 * read under the flags): a repository workflow's `env` step must not change how the server's
 * policies judge its plans.
 */
const withoutConftestSettings = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith("CONFTEST_")));

/**
 * Runs every policy set over the plan JSON file. A set that cannot be evaluated (conftest missing,
 * crashed, unreadable output) is an `error` outcome: it blocks apply like a failure.
 */
export async function runPolicyCheck(
  exec: Exec,
  req: PolicyCheckRequest,
  where: { showFile: string; env: Record<string, string>; timeoutMs: number; redact: (text: string) => string },
): Promise<PolicyCheck> {
  const sets: PolicyCheck["sets"] = [];
  for (const set of req.sets) {
    try {
      // Output is redacted like everything else: a policy message may quote a value of the plan.
      const r = await exec(req.binary, conftestArgv(set.path, where.showFile, req.extraArgs), {
        cwd: await conftestCwd(set.path),
        env: withoutConftestSettings(where.env),
        timeoutMs: where.timeoutMs,
        redact: where.redact,
      });
      sets.push(parseConftestOutput(set.name, r));
    } catch (e) {
      // Only a failed spawn rejects: the binary is missing or not executable.
      sets.push({ name: set.name, status: "error", message: e instanceof Error ? e.message : `could not start ${req.binary}` });
    }
  }
  return { sets };
}
