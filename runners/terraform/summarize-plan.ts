import type { OutputChange, PlanSummary, ResourceAction, ResourceChange } from "../../src/model/plan-summary.js";
import { changedAttributes } from "./changed-attributes.js";
import { classifyActions } from "./classify-actions.js";
import { hashChange } from "./hash-change.js";
import { collectSensitiveValues, sensitiveOutputNames } from "./collect-sensitive-values.js";
import { parsePlanJson } from "./parse-plan-json.js";
import type { PlanJson } from "./plan-json-schema.js";

export type PlanSummaryResult = { ok: true; summary: PlanSummary } | { ok: false; error: string };

/**
 * Summarizes `terraform show -json PLANFILE` (or `tofu show -json`), given as text or already
 * parsed. Pure; never throws: input that is not a plan comes back as `{ ok: false, error }` with a
 * short message that never quotes the input (it may hold secrets).
 */
export function summarizePlan(planJson: string | unknown): PlanSummaryResult {
  const parsed = parsePlanJson(planJson);
  if (!parsed.ok) return parsed;
  return { ok: true, summary: summarize(parsed.plan) };
}

// Destroys first, then replaces: the lines a reviewer must not miss come before the routine ones.
const ORDER: Record<ResourceAction, number> = { delete: 0, replace: 1, create: 2, update: 3, forget: 4, read: 5 };

function summarize(plan: PlanJson): PlanSummary {
  const counts = { add: 0, change: 0, destroy: 0, replace: 0, move: 0, import: 0, forget: 0 };
  const resources: ResourceChange[] = [];
  const moves: PlanSummary["moves"] = [];
  const imports: string[] = [];
  const changeHashes: Record<string, string> = {};
  const attributes: Record<string, string[]> = {};

  for (const rc of plan.resource_changes ?? []) {
    const classified = classifyActions(rc.change.actions);
    // Terraform renders nothing for a data source that left the configuration (0.12–0.13 plans
    // list it as "delete"); there is nothing to destroy.
    if (classified.action === "delete" && rc.mode === "data") continue;

    const address = rc.deposed ? `${rc.address} (deposed ${rc.deposed})` : rc.address;
    const previousAddress = rc.previous_address && rc.previous_address !== rc.address ? rc.previous_address : undefined;
    const importing = rc.change.importing != null;
    if (importing) counts.import++;

    if (classified.action === "no-op") {
      if (previousAddress !== undefined) moves.push({ from: previousAddress, to: address });
      // An import with no other change has no ResourceAction: listed apart, so that the plan rules
      // see what it brings under Terraform (its type for `auto_approve`'s `types`).
      if (importing) imports.push(address);
      // Which object an import brings in (its id may come from a `-var`) is in its values only:
      // without a digest, a re-plan importing another object would compare as the approved one.
      if (importing) changeHashes[address] = hashChange(rc.change);
      continue;
    }

    counts.add += classified.add;
    counts.change += classified.change;
    counts.destroy += classified.destroy;
    counts.forget += classified.forget;
    if (classified.action === "replace") counts.replace++;

    changeHashes[address] = hashChange(rc.change);
    if (classified.action === "update" || classified.action === "replace") attributes[address] = changedAttributes(rc.change);
    const entry: ResourceChange = { address, action: classified.action };
    if (rc.action_reason) entry.reason = rc.action_reason;
    if (previousAddress !== undefined) entry.previousAddress = previousAddress;
    if (importing) entry.importing = true;
    resources.push(entry);
  }
  counts.move = moves.length;

  // Stable sort: entries with the same action and address keep Terraform's own order.
  resources.sort((a, b) => ORDER[a.action] - ORDER[b.action] || compareText(a.address, b.address));
  moves.sort((a, b) => compareText(a.to, b.to));
  const outputs = summarizeOutputs(plan);

  // Actions (1.14+) have no counter in PlanSummary yet, but applying would run them, so a plan
  // that only invokes actions is not "no changes".
  const invokesActions = (plan.action_invocations?.length ?? 0) > 0;
  // Terraform always names both; a plan that does not is still counted, its type unknown (fails `types` closed).
  const actions = (plan.action_invocations ?? []).map((a) => ({ address: a.address ?? "action", type: a.type ?? "unknown" }));
  const hasChanges =
    counts.add + counts.change + counts.destroy + counts.forget + counts.move + counts.import > 0 || outputs.length > 0 || invokesActions;

  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    if (outputs.some((o) => o.name === name)) changeHashes[`output.${name}`] = hashChange(oc);
  }
  // An action's values (which function, what payload, what triggers it) are what it does: the
  // merge comparison must see them as it sees a resource's. One action may run several times.
  const invocations = new Map<string, string[]>();
  for (const a of plan.action_invocations ?? []) {
    const address = a.address ?? "action";
    invocations.set(address, [...(invocations.get(address) ?? []), hashChange(a)]);
  }
  for (const [address, hashes] of invocations) changeHashes[address] = hashChange(hashes.sort());
  // The root module's variables (`-var`, tfvars, inputs) can change what applying does without
  // changing a planned value (a provisioner's command, the provider's account or region): a
  // re-plan with other values is not the plan that was approved.
  for (const [name, v] of Object.entries(plan.variables ?? {})) changeHashes[`var.${name}`] = hashChange(v.value ?? null);

  const summary: PlanSummary = {
    ...counts,
    resources,
    moves,
    outputs,
    hasChanges,
    sensitiveValues: collectSensitiveValues(plan),
    formatVersion: plan.format_version,
  };
  if (imports.length) summary.imports = imports.sort(compareText);
  if (actions.length) summary.actions = actions.sort((a, b) => compareText(a.address, b.address));
  if (Object.keys(changeHashes).length) summary.changeHashes = changeHashes;
  // Set whenever a resource changes: its absence then means "planned before Sluice recorded it"
  // (rules that need it fail closed).
  if (resources.length) summary.changedAttributes = attributes;
  if (plan.terraform_version) summary.terraformVersion = plan.terraform_version;
  return summary;
}

function summarizeOutputs(plan: PlanJson): OutputChange[] {
  const flagged = sensitiveOutputNames(plan);
  const outputs: OutputChange[] = [];
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    const action = outputAction(oc.actions);
    if (!action) continue;
    const sensitive = oc.before_sensitive === true || oc.after_sensitive === true || flagged.has(name);
    outputs.push({ name, action, sensitive });
  }
  return outputs.sort((a, b) => compareText(a.name, b.name));
}

function outputAction(actions: readonly string[]): OutputChange["action"] | undefined {
  const key = actions.join(",");
  if (key === "no-op") return undefined;
  if (key === "create" || key === "delete") return key;
  // "update", and anything newer we do not know: shown, never dropped.
  return "update";
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
