import { readFileSync } from "node:fs";
import { resolveHelmRepositories } from "../../runners/helm/helm-repositories.js";
import type { ApplyRequest, PlanRequest } from "../../runners/runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { ProjectResult } from "../model/project-result.js";
import type { Workflow } from "../model/repo-config.js";
import { isKubernetesRunner, type Project } from "../model/project.js";
import type { InputValues } from "../model/project-inputs.js";
import { ambiguousReason, describeIdentity } from "../config/trusted-identity.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";
import { kubeconfigSecrets } from "../credentials/kubeconfig-secrets.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { type Secrets, withSecrets } from "../job-context/secrets.js";
import { policyChecked } from "../authorization/plan-policy-fact.js";
import { stepsUnitSkips } from "./unit-workflow.js";

/** What every tool run of a project gets from the job: settings, secrets and server limits. */
export interface RunnerContext {
  deps: Pick<JobDeps, "tools" | "config">;
  settings: RepoSettings;
  secrets: Secrets;
}

type Built<T> = { ok: true; request: T } | { ok: false; result: ProjectResult };

/** Helm `secret_set`: value key -> server secret name, from the trusted config only. */
export function resolveSecretSet(
  project: Project,
  settings: Pick<RepoSettings, "secret" | "secretSetFor">,
): { values: Record<string, string> } | { missing: string } {
  const values: Record<string, string> = {};
  for (const [key, name] of Object.entries(settings.secretSetFor(project))) {
    const value = settings.secret(name);
    if (value === undefined) return { missing: name };
    values[key] = value;
  }
  return { values };
}

/**
 * The kubeconfig for this phase, for the runners that talk to a cluster only: it is what Helm and
 * Kustomize diff and apply with, so no other project's run (a Terraform plan's `file()`) may see it.
 * It is a credential, found by the trusted identity: the repo's for the base branch's projects, the
 * server's `new_projects` one for a new project (a PR's new dir, or production's dir in a workspace
 * the base branch does not have: kubectl ignores workspaces, so it is the same objects).
 */
function kubeconfigFor(
  project: Project,
  identity: TrustedIdentity,
  settings: Pick<RepoSettings, "kubeconfig" | "newProjectKubeconfig">,
  phase: "plan" | "apply",
): string | undefined {
  if (!isKubernetesRunner(project.runner)) return undefined;
  if (identity.kind === "known") return settings.kubeconfig?.[phase];
  return identity.kind === "new" ? settings.newProjectKubeconfig?.[phase] : undefined;
}

/** Why a new Kubernetes project is not applied where the repository has a cluster and new projects none. */
const newProjectNoCluster = (project: Project, identity: TrustedIdentity) =>
  `\`${project.name}\` is a new project (${describeIdentity(identity)}): the repository's kubeconfig is the credential of the base branch's projects, and a new project gets a cluster only from the server's \`new_projects.kubeconfig\`, which this server does not set. Nothing was applied; once it is merged, a pull request that changes it applies it as the base branch's project`;

/** Its text, or nothing when it cannot be read (the tool run then says why, with the path). */
function readKubeconfig(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * What every tool run of a project takes from the server, whatever the road (plan, apply, state
 * command, outputs): the tools' env, the step timeout, the trusted binary and workflow.
 */
export function toolRunBase(
  deps: Pick<JobDeps, "tools" | "config">,
  settings: Pick<RepoSettings, "binaryFor">,
  project: Project,
  workflow: Workflow | undefined,
) {
  return { project, env: deps.tools.env, timeoutMs: deps.config.step_timeout, workflow, binary: settings.binaryFor(project) };
}

/** The parts plan and apply requests share; a refusal when the project cannot run on this server. */
function common(ctx: RunnerContext, project: Project, phase: "plan" | "apply") {
  const { settings, deps } = ctx;
  const identity = settings.identityOf(project);
  if (identity.kind === "ambiguous") return { refusal: ambiguousReason(identity) };
  const workflow = settings.workflowFor(project);
  if (workflow.refusal) return { refusal: workflow.refusal };
  // Terragrunt runs a unit's own workspace: one named here would be a lock, credentials and rules
  // of a workspace whose state is never the one planned and applied.
  if (project.runner === "terragrunt" && project.workspace !== "default")
    return {
      refusal: `a Terragrunt unit runs in its backend's default workspace, not workspace \`${project.workspace}\`: Sluice does not select workspaces for units, so this project would plan and apply another workspace's state. Give each environment its own unit dir`,
    };
  const skipped = project.runner === "terragrunt" ? stepsUnitSkips(workflow.workflow) : [];
  if (skipped.length)
    return {
      refusal: `this project's workflow has steps a Terragrunt unit does not run (${skipped.join(", ")}): Terragrunt plans and applies a unit itself, so it would run without them. Give the unit a workflow of the default steps, or keep the project a Terraform one`,
    };
  const secretSet = resolveSecretSet(project, settings);
  if ("missing" in secretSet) return { refusal: `secret \`${secretSet.missing}\` is not defined on this Sluice server` };
  ctx.secrets.add(Object.values(secretSet.values));
  const helmRepositories = project.runner === "helm" ? resolveHelmRepositories(deps.config.helm_repositories ?? [], process.env) : [];
  ctx.secrets.add(helmRepositories.flatMap((r) => (r.password === undefined ? [] : [r.password])));
  const kubeconfig = kubeconfigFor(project, identity, settings, phase);
  if (phase === "apply" && !kubeconfig && identity.kind === "new" && isKubernetesRunner(project.runner) && settings.kubeconfig)
    return { refusal: newProjectNoCluster(project, identity) };
  if (kubeconfig) ctx.secrets.add(kubeconfigSecrets(readKubeconfig(kubeconfig)));
  return {
    fields: {
      ...toolRunBase(deps, settings, project, workflow.workflow),
      secretSet: secretSet.values,
      kubeconfig,
      keptPaths: deps.tools.sandbox.keptPaths,
      sluiceDirs: deps.tools.sandbox.sluiceDirs,
      checkoutStateAllowed: deps.config.allow_checkout_state,
      helmRepositories,
    },
  };
}

const refused = (project: Project, reason: string): { ok: false; result: ProjectResult } => ({
  ok: false,
  result: { project, status: "refused", reason, output: "" },
});

/** Other projects' outputs for a tool run (gather-inputs.ts): `TF_VAR_` entries and Helm values. */
export interface RunInputs {
  env: Record<string, string>;
  values: InputValues;
  /** Some are other projects' sensitive outputs (a plan then keeps its diagnostics to itself). */
  givenSecrets?: boolean;
}

/** The request with a project's inputs: Terraform's in its env, Helm's as values, sensitive ones as files. */
function withInputs<T extends { env: Record<string, string>; secretSet?: Record<string, string> }>(request: T, inputs?: RunInputs): T {
  if (!inputs) return request;
  return {
    ...request,
    env: { ...request.env, ...inputs.env },
    secretSet: { ...(request.secretSet ?? {}), ...inputs.values.secretValues },
    inputs: inputs.values,
  };
}

/** Where a plan runs and what the road adds to it. */
export interface PlanWhere {
  checkoutDir: string;
  /** The base checkout, for tools whose plan is a diff of renders (written to by `helm dependency build`). */
  baseCheckoutDir?: string;
  dataDir: string;
  extraArgs: string[];
  destroy?: boolean;
  details?: boolean;
  onOutput?: (chunk: string) => void;
  stepVariables?: Record<string, string>;
}

/** The one place a plan request is built: PR plans, re-plans at merge and drift checks. */
export function planRequest(ctx: RunnerContext, project: Project, where: PlanWhere, inputs?: RunInputs): Built<PlanRequest> {
  const c = common(ctx, project, "plan");
  if (!c.fields) return refused(project, c.refusal);
  return {
    ok: true,
    request: withInputs(
      {
        ...c.fields,
        ...where,
        redact: ctx.secrets.redact,
        policyCheck: policyCheckFor(ctx.settings.policies, project, c.fields.workflow),
        ...(inputs?.givenSecrets ? { givenSecrets: true } : {}),
      },
      inputs,
    ),
  };
}

/**
 * Atlantis' step variables of a pull request, for `run` steps. `COMMENT_ARGS` is Atlantis' own
 * encoding: the extra arguments, each character backslash-escaped, joined by commas.
 */
export function pullRequestStepVariables(pr: {
  repo: { owner: string; name: string };
  headRepo?: string;
  number: number;
  url: string;
  author: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  user: string;
  extraArgs: readonly string[];
}): Record<string, string> {
  const [headOwner, headName] = (pr.headRepo ?? `${pr.repo.owner}/${pr.repo.name}`).split("/");
  return {
    BASE_REPO_OWNER: pr.repo.owner,
    BASE_REPO_NAME: pr.repo.name,
    HEAD_REPO_OWNER: headOwner ?? pr.repo.owner,
    HEAD_REPO_NAME: headName ?? pr.repo.name,
    HEAD_BRANCH_NAME: pr.headRef,
    HEAD_COMMIT: pr.headSha,
    BASE_BRANCH_NAME: pr.baseRef,
    PULL_NUM: String(pr.number),
    PULL_URL: pr.url,
    PULL_AUTHOR: pr.author,
    USER_NAME: pr.user,
    COMMENT_ARGS: pr.extraArgs.map((a) => [...a].map((c) => `\\${c}`).join("")).join(","),
  };
}

/** Server `policies` run over Terraform, OpenTofu and Terragrunt plans (conftest reads their plan JSON). */
export function policyCheckFor(policies: RepoSettings["policies"], project: Project, workflow?: Workflow): PlanRequest["policyCheck"] {
  if (!policies || !policyChecked(project.runner)) return undefined;
  return {
    binary: policies.conftest_binary,
    sets: policies.policy_sets.map((s) => ({ name: s.name, path: s.path })),
    // Only server workflows carry a policy_check stage: a repository cannot loosen the checks.
    extraArgs: workflow?.policyCheck?.extraArgs ?? [],
  };
}

/** The one place an apply request is built. */
export function applyRequest(
  ctx: RunnerContext,
  project: Project,
  where: {
    checkoutDir: string;
    planFile: string;
    dataDir: string;
    onOutput?: (chunk: string) => void;
    stepVariables?: Record<string, string>;
  },
  inputs?: RunInputs,
): Built<ApplyRequest> {
  const c = common(ctx, project, "apply");
  if (!c.fields) return refused(project, c.refusal);
  const secretValues = [...Object.values(c.fields.secretSet), ...Object.values(inputs?.values.secretValues ?? {})];
  return {
    ok: true,
    request: withInputs(
      {
        ...c.fields,
        ...where,
        redactWith: (values) => withSecrets(ctx.secrets.redact, [...values, ...secretValues]),
      },
      inputs,
    ),
  };
}
