import { MAX_CAPTURE } from "../capture-output.js";
import { readFile } from "node:fs/promises";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import { readZipEntry } from "../helm/read-zip-entry.js";
import type { ApplyOutcome, Exec } from "../runner.js";
import { listSome } from "../../src/util/list-some.js";

/** What the backend holds, as `terraform state pull` gives it: enough to tell that an apply landed. */
export interface StateSnapshot {
  serial: number;
  lineage: string;
  /** Resource instance addresses (`module.x.type.name[key]`) of managed resources. */
  addresses: Set<string>;
}

interface RawState {
  serial?: number;
  lineage?: string;
  resources?: { mode?: string; module?: string; type?: string; name?: string; instances?: { index_key?: string | number }[] }[];
}

const key = (k: string | number | undefined) => (k === undefined ? "" : typeof k === "number" ? `[${k}]` : `[${JSON.stringify(k)}]`);

/**
 * Parses `terraform state pull`: empty output is no state yet (serial 0). A file that is not a
 * state (the output of a tool a workflow wrapped, garbage) is a fault of the read, said as such.
 */
export function parseStatePull(text: string): StateSnapshot | { error: string } {
  if (text.trim() === "") return { serial: 0, lineage: "", addresses: new Set() };
  let raw: RawState;
  try {
    raw = JSON.parse(text) as RawState;
  } catch {
    return { error: "the backend's answer is not a Terraform state (not JSON)" };
  }
  if (typeof raw.serial !== "number" || typeof raw.lineage !== "string") return { error: "the backend's answer has no serial and lineage" };
  const addresses = new Set<string>();
  for (const r of raw.resources ?? []) {
    if (r.mode !== "managed" || !r.type || !r.name) continue;
    const base = `${r.module ? `${r.module}.` : ""}${r.type}.${r.name}`;
    for (const i of r.instances ?? []) addresses.add(`${base}${key(i.index_key)}`);
  }
  return { serial: raw.serial, lineage: raw.lineage, addresses };
}

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
  const r = await exec(bin, [...asked.argv], { cwd: where.cwd, env: where.env, timeoutMs: where.timeoutMs, redact: (t) => t });
  if (r.exitCode !== 0) {
    const last = (r.stderr || r.stdout).trim().split("\n").filter(Boolean).at(-1);
    const why = last === undefined ? `exit code ${r.exitCode}` : (where.redact ?? ((t: string) => t))(last);
    return { error: `\`${asked.shown}\` failed: ${why.slice(0, 300)}` };
  }
  // A state past what Sluice keeps of a run's output: the part kept is no state to compare.
  if (r.outputCut)
    return {
      error: `\`${asked.shown}\` printed more than ${MAX_CAPTURE / 1024 ** 2}M characters, more than Sluice keeps of a run's output: the state cannot be read back whole`,
    };
  return parseStatePull(r.stdout);
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
    readBack: { serialBefore, serialAfter, checked },
  };
}

const present = (list: (string | undefined)[]) => list.filter((a): a is string => a !== undefined);
const list = (addresses: string[]) => listSome(addresses, 5, (a) => `\`${a}\``);
