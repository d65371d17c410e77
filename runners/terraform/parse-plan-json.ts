import type { z } from "zod";
import { type PlanJson, planJsonSchema } from "./plan-json-schema.js";

export type ParsePlanJsonResult = { ok: true; plan: PlanJson } | { ok: false; error: string };

/**
 * Text or an already-parsed value -> a validated plan. Error messages name the offending field but
 * never quote the input: plans carry secrets, and these messages end up in PR comments.
 */
export function parsePlanJson(input: string | unknown): ParsePlanJsonResult {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      return { ok: false, error: describeSyntaxError(error) };
    }
  }

  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: `plan JSON must be an object, got ${kindOf(value)}` };
  }
  if (!("format_version" in value)) return { ok: false, error: "not a Terraform plan: format_version is missing" };
  // `terraform show -json` without a plan file prints the state, also with a format_version; read
  // as a plan it would say "no changes". Every real plan has planned_values, even an empty one.
  if (!("planned_values" in value) && !("resource_changes" in value) && !("output_changes" in value)) {
    return {
      ok: false,
      error: "not a Terraform plan: planned_values is missing (state JSON instead of a saved plan?)",
    };
  }

  let result: ReturnType<typeof planJsonSchema.safeParse>;
  try {
    result = planJsonSchema.safeParse(value);
  } catch (error) {
    // The recursive module schema can exhaust the stack on absurdly nested child_modules.
    if (error instanceof RangeError) return { ok: false, error: "plan JSON is nested too deeply" };
    throw error;
  }
  if (!result.success) return { ok: false, error: describeIssues(result.error.issues) };
  // Terraform bumps the major format version only for changes that old readers would misread.
  const major = result.data.format_version.split(".")[0];
  if (major !== "0" && major !== "1") {
    return {
      ok: false,
      error: `unsupported plan format_version ${JSON.stringify(result.data.format_version.slice(0, 20))} (expected 0.x or 1.x)`,
    };
  }
  return { ok: true, plan: result.data };
}

function describeSyntaxError(error: unknown): string {
  // V8 messages may quote the input ("Unexpected token 'h', "{"secret": hunter2}" is not valid
  // JSON"), so only the position is kept.
  const message = error instanceof Error ? error.message : "";
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `plan is not valid JSON (error at position ${position})`;
  if (/unexpected end/i.test(message)) return "plan is not valid JSON (unexpected end of input)";
  return "plan is not valid JSON";
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return "plan JSON does not match the expected shape";
  const where = formatPath(first.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `plan JSON ${where ? `at ${where}` : "root"}: ${first.message}${more}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][\w-]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
