import type { RunnerKind } from "../../model/project.js";
import type { OutputRef, ProjectInputs } from "../../model/project-inputs.js";
import { type KeyPath, showValue } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";

/** Terraform's identifier rule: variable and output names. It also keeps `TF_VAR_<name>` a plain environment name. */
export const TF_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
/**
 * A Helm value key as `values_from` takes it: dotted plain segments. No `=`, `,`, `[` or `\`,
 * which helm's `--set-*` parsers would read as syntax.
 */
export const HELM_VALUE_KEY = /^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63}){0,15}$/;

/**
 * `PROJECT.OUTPUT`, split at the last dot (project names may hold dots, Terraform output names
 * never do).
 */
export function parseOutputRef(text: string): OutputRef | undefined {
  const dot = text.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const output = text.slice(dot + 1);
  if (!TF_IDENTIFIER.test(output)) return undefined;
  return { project: text.slice(0, dot), output };
}

/**
 * `inputs_from` / `values_from` of one project, checked on their own: key syntax, reference
 * syntax, and the runner they belong to. Names across projects are checked by checkProjects.
 */
export function readInputRefs(
  raw: { inputs_from?: Record<string, string>; values_from?: Record<string, string> },
  runner: RunnerKind,
  path: KeyPath,
  ctx: NormalizeContext,
): ProjectInputs {
  const out: ProjectInputs = {};
  const read = (key: "inputs_from" | "values_from", entries: Record<string, string> | undefined, keyRule: RegExp, what: string) => {
    if (entries === undefined) return undefined;
    const refs: Record<string, OutputRef> = {};
    for (const [name, value] of Object.entries(entries)) {
      const at = [...path, key, name];
      if (!keyRule.test(name)) {
        ctx.error(at, `must be keyed by ${what}, got ${showValue(name)}`);
        continue;
      }
      const ref = typeof value === "string" ? parseOutputRef(value.trim()) : undefined;
      if (ref === undefined) {
        ctx.error(at, `must be PROJECT.OUTPUT (a project of this file and one of its Terraform outputs), got ${showValue(String(value))}`);
        continue;
      }
      refs[name] = ref;
    }
    return refs;
  };
  const terraform = runner === "terraform" || runner === "opentofu";
  if (raw.inputs_from !== undefined && !terraform) {
    ctx.error(
      [...path, "inputs_from"],
      `sets Terraform variables: it is for terraform and opentofu projects, not runner ${runner} (a helm project takes \`values_from\`)`,
    );
  } else {
    const inputs = read("inputs_from", raw.inputs_from, TF_IDENTIFIER, "Terraform variable names");
    if (inputs !== undefined) out.inputsFrom = inputs;
  }
  if (raw.values_from !== undefined && runner !== "helm") {
    ctx.error(
      [...path, "values_from"],
      `sets a Helm release's values: it is for helm projects, not runner ${runner} (a terraform project takes \`inputs_from\`)`,
    );
  } else {
    const values = read("values_from", raw.values_from, HELM_VALUE_KEY, "dotted Helm value keys such as image.tag");
    if (values !== undefined) out.valuesFrom = values;
  }
  return out;
}
