import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { RepoSettings } from "../config/repo-settings.js";
import { inputDigest } from "../inputs/input-digest.js";
import { sensitiveTexts } from "../inputs/input-value-text.js";
import {
  type ConsumerVariables,
  producersToRead,
  type ResolvedInputs,
  resolveInputs,
  type TrustedMapping,
} from "../inputs/resolve-inputs.js";
import { readVariableDeclarations } from "../../runners/terraform/read-variable-declarations.js";
import type { Job } from "../model/job.js";
import type { Project } from "../model/project.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";
import type { OutputValues } from "../model/project-inputs.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { createProjectRunner } from "./project-runner.js";
import type { Secrets } from "../job-context/secrets.js";

/** A project of the trusted config, as far as its mappings go. */
export type TrustedProject = Pick<Project, "name" | "dir" | "workspace" | "inputsFrom" | "valuesFrom">;

/** Where a job reads producers' outputs: its checkout, the repo's projects, and a scratch dir of its own. */
export interface InputsContext {
  deps: JobDeps;
  job: Pick<Job, "id" | "target">;
  settings: RepoSettings;
  secrets: Secrets;
  checkoutDir: string;
  /** Every project of the repository at this checkout, to find producers by name. */
  all: readonly Project[];
  /** A private dir for the tool's data (TF_DATA_DIR); removed after each read. */
  scratchDir: string;
  /** The trusted config's projects (base branch); undefined = none is trusted (no sensitive output passes). */
  trustedProjects: readonly TrustedProject[] | undefined;
  onOutput?: (chunk: string) => void;
  /**
   * Producers' outputs already read by this job, by name: a plan job reads each producer's state
   * once however many dependents it plans (nothing it runs applies anything meanwhile).
   */
  read?: Map<string, OutputValues>;
}

export type ReadOutputs = { ok: true; outputs: Map<string, OutputValues> } | { ok: false; error: string };

/**
 * The outputs in each named producer's state, read through its tool in the sandbox. Sensitive
 * values join the job's redaction before anything else runs.
 */
export async function readProducerOutputs(ctx: InputsContext, names: readonly string[]): Promise<ReadOutputs> {
  const outputs = new Map<string, OutputValues>();
  for (const name of names) {
    const known = ctx.read?.get(name);
    if (known) {
      outputs.set(name, known);
      continue;
    }
    const project = ctx.all.find((p) => p.name === name);
    if (!project) return { ok: false, error: `no project named ${name} in this repository` };
    const dataDir = await mkdtemp(join(ctx.scratchDir, "outputs-"));
    try {
      const ran = await createProjectRunner(ctx).outputs(project, { checkoutDir: ctx.checkoutDir, dataDir, onOutput: ctx.onOutput });
      if (!ran.ok && ran.failedStep === "outputs") return { ok: false, error: ran.message };
      if (!ran.ok) return { ok: false, error: `reading the outputs of ${name} failed at ${ran.failedStep}: ${ran.message}` };
      const read = ran.value;
      ctx.secrets.add(Object.values(read.outputs).flatMap((o) => (o.sensitive ? sensitiveTexts(o.value) : [])));
      outputs.set(name, read.outputs);
      ctx.read?.set(name, read.outputs);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return { ok: true, outputs };
}

/**
 * A dependent's inputs: the producers' planned outputs where this job planned them, their state
 * otherwise (read only for what needs it). Sensitive values are registered with the redactor.
 */
export async function gatherInputs(
  ctx: InputsContext,
  project: Project,
  planned: ReadonlyMap<string, OutputValues> = new Map(),
): Promise<ResolvedInputs> {
  const current = await readProducerOutputs(ctx, producersToRead(project, planned));
  if (!current.ok) return current;
  for (const outputs of planned.values()) {
    ctx.secrets.add(Object.values(outputs).flatMap((o) => (o.sensitive && o.known ? sensitiveTexts(o.value) : [])));
  }
  const resolved = resolveInputs(
    project,
    { planned, current: current.outputs },
    (v) => inputDigest(ctx.deps.planKey, v),
    trustedMapping(ctx.trustedProjects, project, producerIdentityIn(ctx)),
    await consumerVariables(ctx, project),
  );
  if (resolved.ok) ctx.secrets.add(resolved.sensitive);
  return resolved;
}

/**
 * How the project declares its variables, from its files in the checkout, before any value
 * reaches it; read only for a project that takes variables. A sensitive output goes only into a
 * terraform project's variable declared sensitive (see `sensitiveVariableProblem`).
 */
export async function consumerVariables(ctx: Pick<InputsContext, "checkoutDir">, project: Project): Promise<ConsumerVariables> {
  if (Object.keys(project.inputsFrom ?? {}).length === 0) return { ok: true, variables: new Map(), unmarking: [] };
  if (project.runner !== "terraform") {
    return {
      ok: false,
      error: `its variables are declared where Sluice does not read them (a ${project.runner} project); pass sensitive outputs to terraform projects only`,
    };
  }
  return readVariableDeclarations(ctx.checkoutDir, project.dir);
}

/**
 * The same project (name, dir, workspace) in the trusted config maps `key` to the same output of
 * the same producer: the one the PR's name for it is (`producerIdentity`, its trusted identity) is
 * the base branch's project the mapping names, so a PR that gives another dir the producer's name
 * does not receive that dir's secret through the producer's mapping.
 */
export function trustedMapping(
  trusted: readonly TrustedProject[] | undefined,
  project: Project,
  producerIdentity: (name: string) => TrustedIdentity | undefined,
): TrustedMapping {
  const same = trusted?.find((p) => p.name === project.name && p.dir === project.dir && p.workspace === project.workspace);
  return (kind, key, ref) => {
    const mapped = (kind === "var" ? same?.inputsFrom : same?.valuesFrom)?.[key];
    if (mapped === undefined || mapped.project !== ref.project || mapped.output !== ref.output) return false;
    const producer = producerIdentity(ref.project);
    return producer?.kind === "known" && producer.name === mapped.project;
  };
}

/** Who the job's project of that name is (its trusted identity), for trustedMapping. */
export function producerIdentityIn(ctx: Pick<InputsContext, "all" | "settings">): (name: string) => TrustedIdentity | undefined {
  return (name) => {
    const producer = ctx.all.find((p) => p.name === name);
    return producer && ctx.settings.identityOf(producer);
  };
}

export function hasInputs(project: Pick<Project, "inputsFrom" | "valuesFrom">): boolean {
  return Object.keys(project.inputsFrom ?? {}).length + Object.keys(project.valuesFrom ?? {}).length > 0;
}
