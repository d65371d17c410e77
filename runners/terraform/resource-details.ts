import { sameValue } from "./changed-attributes.js";
import type { AttributeChange } from "../../src/model/drift.js";
import { createRedactor } from "../../src/util/redact.js";
import type { PlanJson } from "./plan-json-schema.js";

/** Per resource: which top-level attributes change (before → after), and whether a refresh found it changed. */
export interface ResourceDetail {
  address: string;
  /** In the plan's resource_drift: the real object no longer matches the state Terraform had. */
  drifted: boolean;
  attributes: AttributeChange[];
}

const VALUE_MAX = 120;
const SENSITIVE = "(sensitive)";

/**
 * Attribute-level detail for drift reports. Values marked sensitive in the plan (before_sensitive /
 * after_sensitive) are never read out: they are shown as "(sensitive)". Everything else is
 * redacted whole by `redact` (the job's secrets and the plan's sensitive values), then shown short:
 * cut first, a value could keep a secret's first characters, which no redactor matches.
 */
export function resourceDetails(plan: PlanJson, redact: (text: string) => string): ResourceDetail[] {
  const show = (v: unknown) => shorten(redact(asText(v)));
  const drift = new Map<string, Change>();
  for (const d of plan.resource_drift ?? []) {
    const address = (d as { address?: unknown }).address;
    if (typeof address === "string") drift.set(address, d.change);
  }
  const out: ResourceDetail[] = [];
  const seen = new Set<string>();
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions.join(",");
    if (actions === "no-op" || actions === "read") continue;
    seen.add(rc.address);
    out.push({ address: rc.address, drifted: drift.has(rc.address), attributes: attributeChanges(rc.change, show) });
  }
  // Drift the configuration does not undo (e.g. ignore_changes) is still drift worth reporting.
  for (const [address, change] of drift) {
    if (!seen.has(address)) out.push({ address, drifted: true, attributes: attributeChanges(change, show) });
  }
  return out;
}

interface Change {
  before?: unknown;
  after?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
  after_unknown?: unknown;
}

function attributeChanges(change: Change, show: (v: unknown) => string): AttributeChange[] {
  const before = asRecord(change.before);
  const after = asRecord(change.after);
  const unknown = asRecord(change.after_unknown);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])].sort();
  const out: AttributeChange[] = [];
  for (const key of keys) {
    const isUnknown = unknown[key] === true;
    const b = before[key];
    const a = after[key];
    if (!isUnknown && sameValue(b, a)) continue;
    const sensitive = marked(asRecord(change.before_sensitive)[key]) || marked(asRecord(change.after_sensitive)[key]);
    out.push({
      name: key,
      before: sensitive ? SENSITIVE : show(b),
      after: sensitive ? SENSITIVE : isUnknown ? "(known after apply)" : show(a),
    });
  }
  return out;
}

/**
 * A sensitivity mark: `true`, or a container with a `true` anywhere inside. Walked without
 * recursion: show's JSON is the sandbox's output, of any depth.
 */
function marked(mark: unknown): boolean {
  const pending = [mark];
  while (pending.length > 0) {
    const m = pending.pop();
    if (m === true) return true;
    if (typeof m === "object" && m !== null) for (const v of Object.values(m)) pending.push(v);
  }
  return false;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The run's redaction and this plan's sensitive values, which the job learns only once the plan returns. */
export function detailsRedactor(redact: (text: string) => string, sensitiveValues: readonly string[]): (text: string) => string {
  const planValues = createRedactor({ secrets: sensitiveValues, builtIn: false });
  return (text) => planValues(redact(text));
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return "null";
  try {
    return typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    return "(nested too deeply to show)";
  }
}

const shorten = (text: string) => (text.length > VALUE_MAX ? `${text.slice(0, VALUE_MAX - 1)}…` : text);
