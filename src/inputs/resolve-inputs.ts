import type { Project } from "../model/project.js";
import { type InputRecord, type InputValues, type OutputRef, type OutputValues, refText } from "../model/project-inputs.js";
import { fileText, sensitiveTexts, tfVarText } from "./input-value-text.js";

/** What is known of the projects a dependent takes outputs from. */
export interface ProducerOutputs {
  /** Outputs planned by this job (the producer changes in the pull request). */
  planned: ReadonlyMap<string, OutputValues>;
  /** Outputs in each producer's state, read through the tool; absent = not read (a planned producer's are read only when needed). */
  current: ReadonlyMap<string, OutputValues>;
}

export type ResolvedInputs =
  | {
      ok: true;
      /** `TF_VAR_<name>` entries for the tool's environment. */
      env: Record<string, string>;
      /** Helm: values for the head render and the apply, the base render, and sensitive values as files. */
      values: InputValues;
      records: InputRecord[];
      /** What the comment says about inputs that were not the producer's planned or current value. */
      notes: string[];
      /** Texts of sensitive values, for the redactor. */
      sensitive: string[];
    }
  | { ok: false; error: string };

/** A keyed digest of a value (undefined = no value was used); the job keys it with the server's plan key. */
export type Digest = (value: unknown) => string;

/**
 * Whether the trusted config (base branch) maps this input the same way. A pull request's own
 * config may take any output, but a sensitive one only through a mapping the trusted config has:
 * else a PR could hand another project's secret to code of its own.
 */
export type TrustedMapping = (kind: InputRecord["kind"], key: string, ref: OutputRef) => boolean;

/**
 * The consumer's variable declarations, read from its configuration before any value reaches it
 * (runners/terraform/read-variable-declarations.ts); `ok: false` says why they cannot be had.
 */
export type ConsumerVariables =
  | {
      ok: true;
      variables: ReadonlyMap<string, { sensitive: boolean; file: string }>;
      /** Calls whose result terraform does not mark sensitive (`nonsensitive`, `can`, `try`), as `file: name()`. */
      unmarking: readonly string[];
    }
  | { ok: false; error: string };

interface Entry {
  kind: InputRecord["kind"];
  key: string;
  ref: OutputRef;
}

function entriesOf(project: Pick<Project, "inputsFrom" | "valuesFrom">): Entry[] {
  return [
    ...Object.entries(project.inputsFrom ?? {}).map(([key, ref]) => ({ kind: "var" as const, key, ref })),
    ...Object.entries(project.valuesFrom ?? {}).map(([key, ref]) => ({ kind: "value" as const, key, ref })),
  ];
}

/**
 * The producers whose state must be read for `project`: those not planned here, planned ones with
 * an output known only after apply, and every producer of a Helm value.
 */
export function producersToRead(project: Pick<Project, "inputsFrom" | "valuesFrom">, planned: ReadonlyMap<string, OutputValues>): string[] {
  const names = entriesOf(project).flatMap(({ kind, ref }) => {
    const p = planned.get(ref.project);
    // A Helm value's current output is the base side of the release's diff.
    return kind === "value" || p === undefined || p[ref.output]?.known === false ? [ref.project] : [];
  });
  return [...new Set(names)];
}

/**
 * Pure: a dependent's inputs from its producers' outputs. The producer's planned value when this
 * job planned it and knows it; else its current value from state ("known after apply" in the
 * plan, or the producer is not changed here); else the input is left unset, and said so. An
 * output the producer does not have is an error, named.
 */
export function resolveInputs(
  project: Pick<Project, "name" | "inputsFrom" | "valuesFrom">,
  producers: ProducerOutputs,
  digest: Digest,
  trusted: TrustedMapping,
  declared: ConsumerVariables,
): ResolvedInputs {
  const env: Record<string, string> = {};
  const values: InputValues = { values: {}, baseValues: {}, secretValues: {} };
  const records: InputRecord[] = [];
  const notes: string[] = [];
  const sensitive: string[] = [];
  for (const { kind, key, ref } of entriesOf(project)) {
    const from = refText(ref);
    const planned = producers.planned.get(ref.project);
    const current = producers.current.get(ref.project);
    const plannedValue = planned?.[ref.output];
    const currentValue = current?.[ref.output];
    const inState = current !== undefined && Object.keys(current).length > 0;
    if (planned !== undefined ? plannedValue === undefined : inState && currentValue === undefined) {
      const known = Object.keys((planned ?? current) as OutputValues).sort();
      const has = known.length ? `; it has ${known.map((n) => `\`${n}\``).join(", ")}` : "";
      return { ok: false, error: `input ${key} takes ${from}, but project ${ref.project} has no output \`${ref.output}\`${has}` };
    }
    const afterApply = plannedValue?.known === false;
    const used = plannedValue?.known ? plannedValue : currentValue;
    const sensitiveAnywhere = plannedValue?.sensitive || currentValue?.sensitive;
    if (sensitiveAnywhere && !trusted(kind, key, ref)) {
      const setting = kind === "var" ? "inputs_from" : "values_from";
      return {
        ok: false,
        error: `input ${key} takes ${from}, a sensitive output: a sensitive output is passed only through a mapping the default branch's config has (\`${setting}\` of ${project.name}); merge the mapping first, or make the output non-sensitive`,
      };
    }
    const undeclassified = sensitiveAnywhere && kind === "var" ? sensitiveVariableProblem(project.name, key, from, declared) : undefined;
    if (undeclassified) return { ok: false, error: undeclassified };
    const source: InputRecord["source"] = plannedValue?.known ? "planned" : currentValue ? "current" : "unset";
    records.push({ kind, key, from, source, ...(afterApply ? { afterApply } : {}), digest: digest(used?.value) });
    if (afterApply) {
      notes.push(
        `input ${key} ← ${from} is known only after ${ref.project} is applied: ${
          source === "current" ? `planned with its current value` : "left unset (nothing in its state yet)"
        }; Sluice plans ${project.name} again once ${ref.project} is applied`,
      );
    } else if (source === "unset") {
      notes.push(`input ${key} ← ${from}: ${ref.project} has no outputs in its state yet (not applied), so it was left unset`);
    }
    if (used === undefined) continue;
    if (used.sensitive) sensitive.push(...sensitiveTexts(used.value));
    if (kind === "var") env[`TF_VAR_${key}`] = tfVarText(used.value);
    else if (used.sensitive) values.secretValues[key] = fileText(used.value);
    else values.values[key] = used.value;
    // The base side of a Helm diff: what the release has now, from the producer's state.
    if (kind === "value" && currentValue !== undefined && !currentValue.sensitive) values.baseValues[key] = currentValue.value;
  }
  return { ok: true, env, values, records, notes, sensitive };
}

/**
 * Why a sensitive output may not go into variable `key` of `consumer`, or undefined when it may.
 * Sluice's redaction finds a secret by its text; what the consumer's configuration computes from
 * it (`upper()`, `join("-", split("", …))`) only terraform can follow, and terraform hides it only
 * when the variable is sensitive and nothing strips the mark.
 */
export function sensitiveVariableProblem(consumer: string, key: string, from: string, declared: ConsumerVariables): string | undefined {
  const head = `input ${key} takes ${from}, a sensitive output`;
  if (!declared.ok) return `${head}, and Sluice cannot check how ${consumer} declares variable \`${key}\`: ${declared.error}`;
  const variable = declared.variables.get(key);
  if (!variable) {
    return `${head}, but ${consumer} declares no variable \`${key}\`: declare it with \`sensitive = true\`, or remove the mapping`;
  }
  if (!variable.sensitive) {
    return `${head}, but variable \`${key}\` of ${consumer} (${variable.file}) is not declared \`sensitive = true\`: terraform would print what ${consumer} computes from it (upper(), join(), …) in the plan. Add \`sensitive = true\` to the variable`;
  }
  if (declared.unmarking.length > 0) {
    return `${head}, but ${consumer} calls functions whose results terraform does not mark sensitive even when computed from a secret (${declared.unmarking.join(", ")}): a project that takes a sensitive output may not call nonsensitive(), can() or try(), nor read a terraform_data (its \`output\` echoes its \`input\` unmarked once applied; depends_on and replace_triggered_by may name it), in its own files or its local modules`;
  }
  return undefined;
}
