/** `PROJECT.OUTPUT`: an output of another project of the same repository. */
export interface OutputRef {
  project: string;
  output: string;
}

/**
 * A project's inputs from other projects' outputs: `inputs_from` (Terraform variable -> output)
 * and `values_from` (Helm value key, dotted -> output).
 */
export interface ProjectInputs {
  inputsFrom?: Record<string, OutputRef>;
  valuesFrom?: Record<string, OutputRef>;
}

/**
 * One output's value as a tool reports it. `known: false` = Terraform knows it only after the
 * apply ("known after apply"). Values are hostile input: they only ever become data (a
 * `TF_VAR_` value, a `--set-json` value or a file helm reads), never argv of their own, a path or
 * shell text.
 */
export interface OutputValue {
  value: unknown;
  sensitive: boolean;
  known: boolean;
}

/** A project's outputs by name. */
export type OutputValues = Record<string, OutputValue>;

/**
 * What a plan used for one input, recorded with the plan (no value, only a keyed digest):
 * `planned` = the producer's planned value in the same pull request, `current` = the producer's
 * state, `unset` = neither was known (the variable or value was left out).
 */
export interface InputRecord {
  kind: "var" | "value";
  /** The variable name, or the dotted Helm value key. */
  key: string;
  /** `PROJECT.OUTPUT`. */
  from: string;
  source: "planned" | "current" | "unset";
  /** The producer's value was "known after apply" in its plan. */
  afterApply?: boolean;
  /** Keyed digest of the value used (of "unset" when none was). */
  digest: string;
}

export function refText(ref: OutputRef): string {
  return `${ref.project}.${ref.output}`;
}

/** Every project a project takes inputs from. */
export function producersOf(p: ProjectInputs): string[] {
  const refs = [...Object.values(p.inputsFrom ?? {}), ...Object.values(p.valuesFrom ?? {})];
  return [...new Set(refs.map((r) => r.project))];
}

/**
 * The values a tool run gets for a project's inputs. Terraform: `TF_VAR_<name>` values (already
 * in the job's env; the saved plan keeps them for the apply). Helm: `--set-json` values for the
 * head render (and the apply), and for the base render the producers' current values, so the
 * diff shows what an output change does to the release; sensitive values go as files
 * (`--set-file`, as server secrets do), never argv.
 */
export interface InputValues {
  values: Record<string, unknown>;
  baseValues: Record<string, unknown>;
  secretValues: Record<string, string>;
}
