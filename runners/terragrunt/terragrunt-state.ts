import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveInside } from "../../src/util/resolve-inside.js";
import type { Exec, StateOutcome, StateRequest } from "../runner.js";
import { changeRunOptions } from "../change-run-options.js";
import { backendDigest } from "../terraform/backend-digest.js";
import { pullState } from "../terraform/state-read-back.js";
import { pushedReadBack, stateFailure } from "../terraform/terraform-state.js";
import { type TerragruntFlags, terragruntEnv, terragruntStatePullArgv, terragruntStatePushArgv } from "./terragrunt-argv.js";
import { unitWorkDirs } from "./unit-state.js";

/**
 * `/state push-errored` of a unit: the state Sluice kept when the unit's backend refused it,
 * pushed through terragrunt into the backend of the unit's copy (the one that refused it, by its
 * digest), then read back. A held unit has no other way out. `/import` and `/state rm` are not
 * built for units (stateOperations).
 */
export async function terragruntState(
  req: StateRequest,
  exec: Exec,
  bin: string,
  flags: TerragruntFlags,
  describe: (step: string, r: Awaited<ReturnType<Exec>>) => string,
): Promise<StateOutcome> {
  const started = performance.now();
  const fail = stateFailure(started);
  const op = req.operation;
  if (op.kind !== "push") return fail("state", "Terragrunt units take `/state push-errored` only");
  const dir = await resolveInside(req.checkoutDir, req.project.dir);
  if (!dir.ok) return fail("checkout", dir.reason);
  await mkdir(req.dataDir, { recursive: true });
  const env = { ...req.env, ...terragruntEnv(flags) };
  const read = { cwd: dir.path, env, timeoutMs: req.timeoutMs, redact: req.redact };
  const pull = () => pullState(exec, bin, read, { argv: terragruntStatePullArgv(flags), shown: `${bin} run -- state pull` });
  // The first pull makes the unit's copy and sets its backend up, as its apply's run did.
  const before = await pull();
  if ("error" in before) return fail("state pull", `the backend's state could not be read before the push: ${before.error}`);
  if (op.backend !== undefined) {
    const work = await unitWorkDirs(dir.path, flags.downloadDir, req.checkoutDir);
    if (!work.ok) return fail("backend", work.reason);
    if (!copiesUse(work.dirs, op.backend))
      return fail(
        "backend",
        "the backend this checkout sets the unit up with is not the one that refused the kept state (its `remote_state` differs): nothing was pushed, and the unit stays held. Push from a pull request that leaves the unit's backend as the run that kept the state had it",
      );
  }
  const r = await exec(bin, terragruntStatePushArgv(flags, op.file), changeRunOptions(req, { cwd: dir.path, env, redact: req.redact }));
  if (r.exitCode !== 0) return fail("state push", describe("state push", r), r.stdout);
  const problem = pushedReadBack(await readFile(op.file, "utf8"), before, await pull());
  if (problem) return fail("read back", problem, r.stdout);
  return { ok: true, output: r.stdout, durationMs: performance.now() - started };
}

/**
 * Whether terraform runs for the unit with the backend of this digest: a copy sets it, and no copy
 * sets up another. One matching copy is not enough: a unit whose source brings the repository
 * along (`../..//x`) copies what the pull request planted too, and a decoy dir holding a
 * `.terraform` made to the refused backend's digest (which a PR can compute: it reads the config)
 * would let the push go through the real copy, into a backend the PR chose.
 */
export function copiesUse(dirs: readonly string[], digest: string): boolean {
  const set = dirs.map((d) => ({
    has: existsSync(join(d, ".terraform", "terraform.tfstate")),
    digest: backendDigest(join(d, ".terraform")),
  }));
  return set.some((c) => c.digest === digest) && set.every((c) => !c.has || c.digest === digest);
}
