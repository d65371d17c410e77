import type { DriftInput } from "../../model/drift.js";
import type { IgnoreDifference, RunnerKind } from "../../model/project.js";
import type { HelmSettings, KustomizeSettings, ProjectConfig, RepoConfig } from "../../model/repo-config.js";
import { checkProjects, type PlacedProject } from "./check-projects.js";
import type { KeyPath } from "./format-path.js";
import { readInputRefs } from "./input-refs.js";
import type { NormalizeContext } from "./normalize-context.js";
import {
  checkIgnorePaths,
  checkProjectFile,
  checkProjectName,
  checkWorkspace,
  cleanProjectDir,
  projectCore,
  warnVersion,
} from "./project-fields.js";
import type { SluiceConfigInput, SluiceProjectInput } from "./sluice-schema.js";
import { normalizeSluiceWorkflows } from "./sluice-workflows.js";
import { normalizeDestroySchedule } from "./normalize-destroy-schedule.js";
import { normalizePreview } from "./normalize-preview.js";

/** The second stage for `.sluice.yaml`: schema-valid input -> the model, or errors in `ctx`. */
export function normalizeSluiceConfig(input: SluiceConfigInput, ctx: NormalizeContext): RepoConfig {
  const workflows = normalizeSluiceWorkflows(input.workflows, ctx);
  const placed: PlacedProject[] = [];
  (input.projects ?? []).forEach((raw, i) => {
    const project = normalizeProject(raw, ["projects", i], workflows, ctx);
    if (project !== undefined) placed.push({ project, path: ["projects", i], named: raw.name !== undefined });
  });
  checkProjects(placed, ctx, workflows);
  const projects = placed.map((p) => p.project);
  const mode = input.autodiscover?.mode ?? "auto";
  return {
    source: ".sluice.yaml",
    projects,
    autodiscover: {
      enabled: mode === "enabled" || (mode === "auto" && (input.projects ?? []).length === 0),
      ignore: checkIgnorePaths(input.autodiscover?.ignore_paths ?? [], ["autodiscover", "ignore_paths"], ctx),
    },
    parallelPlan: input.parallel_plan ?? true,
    parallelApply: input.parallel_apply ?? false,
    ...(input.sparse_checkout === false ? { sparseCheckout: false } : {}),
    automerge: input.automerge ?? false,
    applyOn: input.apply_on ?? "comment",
    approvals: input.approvals ?? 1,
    ...(input.apply_teams ? { applyTeams: [...new Set(input.apply_teams)] } : {}),
    workflows,
    ...(input.drift ? { drift: driftInput(input.drift) } : {}),
    warnings: ctx.warnings(),
    ...setKeysOf(input),
  };
}

/** Only when the file sets any: a config without them compares equal to the defaults. */
function setKeysOf(input: SluiceConfigInput): Pick<RepoConfig, "setKeys"> {
  const setKeys = (["apply_on", "automerge", "approvals"] as const).filter((k) => input[k] !== undefined);
  return setKeys.length ? { setKeys } : {};
}

function driftInput(raw: NonNullable<SluiceConfigInput["drift"]>): DriftInput {
  const out: DriftInput = {};
  if (raw.schedule !== undefined) out.schedule = raw.schedule;
  if (raw.on_drift !== undefined) out.onDrift = raw.on_drift;
  if (raw.allow_destroy !== undefined) out.allowDestroy = raw.allow_destroy;
  return out;
}

function normalizeProject(
  raw: SluiceProjectInput,
  path: KeyPath,
  _workflows: RepoConfig["workflows"],
  ctx: NormalizeContext,
): ProjectConfig | undefined {
  const dir = cleanProjectDir(raw.dir, [...path, "dir"], ctx);
  const workspace = checkWorkspace(raw.workspace ?? "default", [...path, "workspace"], ctx);
  const name = raw.name === undefined ? undefined : checkProjectName(raw.name, [...path, "name"], ctx);
  const runner = pickRunner(raw, path, ctx);
  if (dir === undefined || workspace === undefined || runner === undefined) return undefined;
  if (raw.name !== undefined && name === undefined) return undefined;

  if (raw.terraform_version !== undefined) warnVersion(path, raw.terraform_version, ctx);

  const project: ProjectConfig = projectCore(
    {
      name,
      dir,
      workspace,
      runner,
      autoplanEnabled: raw.autoplan?.enabled,
      whenModified: raw.autoplan?.when_modified,
      dependsOn: () => raw.depends_on ?? [],
      executionOrderGroup: raw.execution_order_group,
    },
    path,
    ctx,
  );
  Object.assign(project, readInputRefs(raw, runner, path, ctx));
  if (raw.apply_requirements !== undefined) project.applyRequirements = [...new Set(raw.apply_requirements)];
  if (raw.workflow !== undefined) project.workflow = raw.workflow;
  if (raw.allow_destroy !== undefined) project.allowDestroy = raw.allow_destroy;
  if (raw.terraform_version !== undefined) project.terraformVersion = raw.terraform_version;
  if (raw.terraform_binary !== undefined) project.terraformBinary = raw.terraform_binary;
  if (raw.helm !== undefined) project.helm = normalizeHelm(raw.helm, dir, [...path, "helm"], ctx);
  if (raw.kustomize !== undefined) project.kustomize = normalizeKustomize(raw.kustomize);
  if (raw.drift !== undefined) project.drift = driftInput(raw.drift);
  if (raw.preview !== undefined && runner === "terragrunt") {
    // A unit's workspace is terragrunt's to choose (its generated backends): no preview copy of it.
    ctx.error([...path, "preview"], "is not supported for terragrunt units");
  } else if (raw.preview !== undefined) {
    const preview = normalizePreview(raw.preview, runner, dir, [...path, "preview"], ctx);
    if (preview) project.preview = preview;
  }
  if (raw.protect !== undefined) project.protect = raw.protect;
  if (raw.destroy !== undefined) project.destroyRule = raw.destroy;
  if (raw.auto_approve !== undefined) project.autoApprove = raw.auto_approve;
  const destroySchedule = normalizeDestroySchedule(raw, runner, path, ctx);
  if (destroySchedule) project.destroySchedule = destroySchedule;
  return project;
}

/** `runner` may be left out when a `helm:` or `kustomize:` block says which tool it is. */
function pickRunner(raw: SluiceProjectInput, path: KeyPath, ctx: NormalizeContext): RunnerKind | undefined {
  if (raw.helm !== undefined && raw.kustomize !== undefined) {
    ctx.error(path, "a project cannot have both helm and kustomize settings");
    return undefined;
  }
  const implied: RunnerKind | undefined = raw.helm ? "helm" : raw.kustomize ? "kustomize" : undefined;
  const runner = raw.runner ?? implied ?? "terraform";
  if (implied !== undefined && runner !== implied) {
    ctx.error([...path, implied], `is only allowed when runner is ${implied}, got runner ${runner}`);
    return undefined;
  }
  const tfOnly = (["terraform_version", "terraform_binary"] as const).filter((k) => raw[k] !== undefined);
  if ((runner === "helm" || runner === "kustomize") && tfOnly.length > 0) {
    for (const key of tfOnly) ctx.error([...path, key], `does not apply to runner ${runner}`);
    return undefined;
  }
  return runner;
}

function normalizeHelm(raw: NonNullable<SluiceProjectInput["helm"]>, dir: string, path: KeyPath, ctx: NormalizeContext): HelmSettings {
  const values: string[] = [];
  (raw.values ?? []).forEach((file, i) => {
    const clean = checkProjectFile(dir, file, [...path, "values", i], ctx);
    if (clean !== undefined) values.push(clean);
  });
  const helm: HelmSettings = {
    values,
    // Types are kept: helm gets numbers and booleans as JSON (`enabled: false` must stay false),
    // strings literally.
    set: { ...(raw.set ?? {}) },
    secretSet: { ...(raw.secret_set ?? {}) },
    ignore: [...(raw.ignore ?? [])],
  };
  if (raw.ignore_differences !== undefined) helm.ignoreDifferences = raw.ignore_differences.map(ignoreDifference);
  if (raw.api_versions !== undefined) helm.apiVersions = [...raw.api_versions];
  if (raw.kube_version !== undefined) helm.kubeVersion = raw.kube_version;
  if (raw.release !== undefined) helm.release = raw.release;
  if (raw.namespace !== undefined) helm.namespace = raw.namespace;
  return helm;
}

function normalizeKustomize(raw: NonNullable<SluiceProjectInput["kustomize"]>): KustomizeSettings {
  const kustomize: KustomizeSettings = { ignore: [...(raw.ignore ?? [])] };
  if (raw.namespace !== undefined) kustomize.namespace = raw.namespace;
  if (raw.ignore_differences !== undefined) kustomize.ignoreDifferences = raw.ignore_differences.map(ignoreDifference);
  return kustomize;
}

type RawIgnoreDifference = NonNullable<NonNullable<SluiceProjectInput["helm"]>["ignore_differences"]>[number];

function ignoreDifference(raw: RawIgnoreDifference): IgnoreDifference {
  const out: IgnoreDifference = {
    jsonPointers: [...(raw.json_pointers ?? []), ...(raw.jsonPointers ?? [])],
    jqPathExpressions: [...(raw.jq_path_expressions ?? []), ...(raw.jqPathExpressions ?? [])],
  };
  if (raw.group !== undefined) out.group = raw.group;
  if (raw.kind !== undefined) out.kind = raw.kind;
  if (raw.name !== undefined) out.name = raw.name;
  if (raw.namespace !== undefined) out.namespace = raw.namespace;
  return out;
}
