import type { PlanJson, PlanValues, ValuesModule } from "./plan-json-schema.js";

/** Below this length a value is more likely to be noise ("dev", "80") than a secret worth hiding. */
const MIN_LENGTH = 4;
const NOISE = new Set(["true", "false", "null"]);

/**
 * Every concrete value the plan marks sensitive, anywhere it appears with its mark: resource
 * changes, drift and deferred changes, outputs, planned and prior state, sensitive root variables
 * and action inputs. Values are collected rather than paths because Terraform itself loses marks
 * on derived attributes (terraform_data's `output` echoes a sensitive `input` unmarked, and the
 * plain-text plan prints it), so redaction has to match the value wherever it shows up.
 *
 * Sorted longest first so a redactor replacing in order never leaves the tail of a longer secret.
 */
export function collectSensitiveValues(plan: PlanJson): string[] {
  const found = new Set<string>();
  const add = (value: unknown): void => addScalar(found, value);

  for (const rc of plan.resource_changes ?? []) walkChange(rc.change, add);
  for (const rc of plan.resource_drift ?? []) walkChange(rc.change, add);
  for (const deferred of plan.deferred_changes ?? []) {
    if (deferred.resource_change) walkChange(deferred.resource_change.change, add);
  }

  const sensitiveOutputs = sensitiveOutputNames(plan);
  for (const [name, oc] of Object.entries(plan.output_changes ?? {})) {
    if (sensitiveOutputs.has(name)) {
      // Pre-0.15 plans carry no *_sensitive fields on outputs; the flag lives in config/values.
      walkMarked(oc.before, true, add);
      walkMarked(oc.after, true, add);
    } else {
      walkChange(oc, add);
    }
  }

  walkValues(plan.planned_values, add);
  walkValues(plan.prior_state?.values, add);

  const declared = plan.configuration?.root_module?.variables ?? {};
  for (const [name, variable] of Object.entries(plan.variables ?? {})) {
    if (Object.hasOwn(declared, name) && declared[name]?.sensitive === true) walkMarked(variable.value, true, add);
  }

  for (const invocation of plan.action_invocations ?? []) {
    walkMarked(invocation.config_values, invocation.config_sensitive, add);
  }

  return [...found].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** Outputs flagged sensitive by configuration or by the values representations. */
export function sensitiveOutputNames(plan: PlanJson): Set<string> {
  const names = new Set<string>();
  const flagged = (record: Record<string, { sensitive?: boolean | null | undefined }> | null | undefined) => {
    for (const [name, output] of Object.entries(record ?? {})) if (output.sensitive === true) names.add(name);
  };
  flagged(plan.configuration?.root_module?.outputs);
  flagged(plan.planned_values?.outputs);
  flagged(plan.prior_state?.values?.outputs);
  return names;
}

interface MarkedChange {
  before?: unknown;
  after?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
}

function walkChange(change: MarkedChange, add: (value: unknown) => void): void {
  walkMarked(change.before, change.before_sensitive, add);
  walkMarked(change.after, change.after_sensitive, add);
}

function walkValues(values: PlanValues | null | undefined, add: (value: unknown) => void): void {
  if (!values) return;
  for (const output of Object.values(values.outputs ?? {})) {
    if (output.sensitive === true) walkMarked(output.value, true, add);
  }
  // Iterative: module nesting comes from the input and must not be able to exhaust the stack.
  const modules: ValuesModule[] = values.root_module ? [values.root_module] : [];
  for (let module = modules.pop(); module; module = modules.pop()) {
    for (const resource of module.resources ?? []) walkMarked(resource.values, resource.sensitive_values, add);
    modules.push(...(module.child_modules ?? []));
  }
}

/**
 * Walks `value` alongside `mark`, which has the same shape; `true` in the mark makes the whole
 * subtree under it sensitive. Iterative for the same reason as above.
 */
export function walkMarked(value: unknown, mark: unknown, add: (value: unknown) => void): void {
  const stack: { value: unknown; mark: unknown }[] = [{ value, mark }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.mark === true) {
      if (isContainer(item.value)) {
        for (const child of Object.values(item.value)) stack.push({ value: child, mark: true });
      } else {
        add(item.value);
      }
    } else if (isContainer(item.mark) && isContainer(item.value)) {
      for (const [key, childMark] of Object.entries(item.mark)) {
        if (Object.hasOwn(item.value, key)) stack.push({ value: (item.value as Record<string, unknown>)[key], mark: childMark });
      }
    }
  }
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function addScalar(found: Set<string>, value: unknown): void {
  if (typeof value === "number" || typeof value === "bigint") consider(found, String(value));
  if (typeof value !== "string") return;
  consider(found, value);
  // Terraform prints multi-line strings as heredocs, one indented line at a time, where the
  // whole value never appears verbatim; each line has to be matchable on its own.
  if (value.includes("\n")) for (const line of value.split(/\r?\n/)) consider(found, line.trim());
}

function consider(found: Set<string>, text: string): void {
  const trimmed = text.trim();
  if (trimmed.length < MIN_LENGTH || NOISE.has(trimmed)) return;
  found.add(text);
}
