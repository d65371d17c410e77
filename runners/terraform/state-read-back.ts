import { readFile } from "node:fs/promises";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import { readZipEntry } from "../helm/read-zip-entry.js";
import type { ApplyOutcome, Exec } from "../runner.js";
import { listSome } from "../../src/util/list-some.js";
import { parseStatePull, type StateSnapshot, stateScanner } from "./state-scanner.js";

const PRIOR_MAX = 64 * 1024 ** 2;

/**
 * The state a saved plan was made against (its `tfstate` entry), which is what the backend holds
 * when terraform accepts the plan for an apply. Undefined when the plan file is not a zip with a
 * readable state in it (a custom workflow's): the backend is then asked.
 */
export async function priorState(planFile: string): Promise<StateSnapshot | undefined> {
  try {
    const entry = readZipEntry(await readFile(planFile), "tfstate", PRIOR_MAX);
    if (!entry) return undefined;
    const parsed = parseStatePull(entry.toString("utf8"));
    return "error" in parsed ? undefined : parsed;
  } catch {
    return undefined;
  }
}

/** Reads the state through the project's backend, in a run of its own (a fresh process, after the apply's). */
export async function pullState(
  exec: Exec,
  bin: string,
  /** `redact`: the run's redactor, for the error line a failed pull printed (its stdout, the state, is parsed, never shown). */
  where: { cwd: string; env: Record<string, string>; timeoutMs: number; redact?: (text: string) => string },
  /** How `bin` is asked, and the command as messages name it (terragrunt: `run … -- state pull`). */
  asked: { argv: readonly string[]; shown: string } = { argv: ["state", "pull"], shown: "terraform state pull" },
): Promise<StateSnapshot | { error: string }> {
  // Read as it streams: a state of any size is read back, never kept whole in memory.
  const scanner = stateScanner();
  const r = await exec(bin, [...asked.argv], {
    cwd: where.cwd,
    env: where.env,
    timeoutMs: where.timeoutMs,
    redact: (t) => t,
    onStdout: (c) => scanner.write(c),
  });
  if (r.exitCode !== 0) {
    const last = r.stderr.trim().split("\n").filter(Boolean).at(-1);
    const why = last === undefined ? `exit code ${r.exitCode}` : (where.redact ?? ((t: string) => t))(last);
    return { error: `\`${asked.shown}\` failed: ${why.slice(0, 300)}` };
  }
  return scanner.end();
}

export type ReadBack = { ok: true; serialBefore: number; serialAfter: number; checked: number } | { ok: false; message: string };

/** Whether the backend's state is another than before: its serial advanced, or a new lineage. */
export const stateMoved = (before: StateSnapshot, after: StateSnapshot): boolean =>
  after.serial > before.serial || (after.lineage !== "" && after.lineage !== before.lineage);

/** What of a plan the read-back checks: its resource changes, and the changes it makes to the state alone. */
export type ReadBackPlan = Pick<PlanSummary, "resources" | "moves" | "outputs"> & Pick<Partial<PlanSummary>, "imports">;

/**
 * Whether the state read back after an apply is the one the plan made: it moved (serial advanced,
 * or a new lineage), what the plan created, imported or moved is there and what it destroyed or
 * moved away is gone. A plan whose only changes are to the state (a `moved` block, an import, an
 * output's value) lists no resource change but writes a state all the same: it must move too,
 * else a write the backend dropped would count as applied. A plan that changes none of these
 * (actions only) may leave the serial as it was.
 */
export function checkReadBack(plan: ReadBackPlan, before: StateSnapshot, after: StateSnapshot): ReadBack {
  const changed = plan.resources.filter((r) => r.action !== "read");
  const imports = plan.imports ?? [];
  const writesState = changed.length + plan.moves.length + imports.length + plan.outputs.length > 0;
  const creates = [
    ...changed
      .filter((r) => r.action === "create" || r.action === "replace" || (r.importing && r.action === "update"))
      .map((r) => r.address),
    ...plan.moves.map((m) => m.to),
    ...imports,
  ];
  const stays = new Set([...creates, ...changed.filter((r) => r.action === "update").map((r) => r.address)]);
  const movedAway = [...plan.moves.map((m) => m.from), ...present(changed.map((r) => r.previousAddress))].filter((a) => !stays.has(a));
  const destroys = [...changed.filter((r) => r.action === "delete" || r.action === "forget").map((r) => r.address), ...movedAway];
  const moved = stateMoved(before, after);
  const problems: string[] = [];
  if (writesState && !moved) problems.push(`its serial is still ${after.serial}`);
  const missing = creates.filter((a) => !after.addresses.has(a));
  if (missing.length) problems.push(`it lacks what the plan created, imported or moved (${list(missing)})`);
  const left = destroys.filter((a) => after.addresses.has(a));
  if (left.length) problems.push(`it still holds what the plan destroyed or moved away (${list(left)})`);
  if (problems.length === 0)
    return { ok: true, serialBefore: before.serial, serialAfter: after.serial, checked: creates.length + destroys.length };
  return {
    ok: false,
    message: `the tool said the apply succeeded, but the state read back through the backend is not what it applied: ${problems.join("; ")}. The state may have been written where the backend does not keep it; nothing is reported as applied.`,
  };
}

/**
 * How an apply whose steps succeeded ends, for terraform and terragrunt alike: reported as applied
 * only once the state read back through the backend by a fresh run (`pull`) is where the plan
 * said; otherwise `failAfter` (which keeps a state the steps could not save) says why.
 */
export async function appliedAfterReadBack(a: {
  plan: ReadBackPlan;
  before: StateSnapshot;
  pull: () => Promise<StateSnapshot | { error: string }>;
  output: string;
  durationMs: () => number;
  sensitiveValues: string[];
  failAfter: (message: string, output: string) => Promise<ApplyOutcome>;
}): Promise<ApplyOutcome> {
  const after = await a.pull();
  if ("error" in after)
    return a.failAfter(`the apply ran, but its state could not be read back through the backend: ${after.error}`, a.output);
  const check = checkReadBack(a.plan, a.before, after);
  if (!check.ok) return a.failAfter(check.message, a.output);
  const { serialBefore, serialAfter, checked } = check;
  return {
    ok: true,
    output: a.output,
    durationMs: a.durationMs(),
    sensitiveValues: a.sensitiveValues,
    readBack: { serialBefore, serialAfter, checked, addresses: after.addresses.size },
  };
}

const present = (list: (string | undefined)[]) => list.filter((a): a is string => a !== undefined);
const list = (addresses: string[]) => listSome(addresses, 5, (a) => `\`${a}\``);
