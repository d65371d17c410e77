import { globsCover } from "./glob-list.js";
import type { DriftSettings } from "../model/drift.js";
import type { DestroySchedule } from "../model/destroy-schedule.js";
import type { PreviewSettings } from "../model/preview.js";
import type { Project } from "../model/project.js";
import { type CredentialChoice, credentialRuleFor } from "./credential-rule-for.js";
import type { BaseProject, TrustedIdentity } from "../model/trusted-identity.js";
import type { PlanRules } from "../model/plan-content.js";
import type { RepoConfig, Requirement, Workflow } from "../model/repo-config.js";
import type { NetworkMode } from "../../runners/sandbox/network-policy.js";
import { baseProjectsOf, recordName, repoGlobMatches, ruleCovers } from "./trusted-identity.js";
import { lockScope } from "./lock-scope.js";
import { planRulesOf } from "./plan-rules-of.js";
import { policiesFor } from "./policies-for.js";
import { trustedLookup } from "./trusted-lookup.js";
import { workflowFor } from "./workflow-for.js";
import type { ServerConfig } from "./server-config.js";

/**
 * The settings a job acts on. Everything that decides who may apply, what must hold first, and
 * which custom commands run comes from the server config or the base branch's repo config
 * (trusted: it was reviewed and merged), never from the pull request's own changes.
 */
export interface RepoSettings {
  /**
   * The project's trusted identity (the base branch's project on its dir and workspace), computed
   * once per project for the job: every trusted lookup below is found by it, never by the name
   * the pull request gives the project.
   */
  identityOf(project: Pick<Project, "dir" | "workspace" | "name">): TrustedIdentity;
  /**
   * The name an apply of the project is recorded under (its live record, which drift checks and
   * `idle_ttl` read by name, and its GitHub Deployment's environment): its trusted identity's; a
   * new project's own, unless a base project already has that name.
   */
  recordNameOf(project: Pick<Project, "dir" | "workspace" | "name">): string;
  /** The base branch's projects (who the job's projects are): one a pull request deletes is no longer among its own. */
  baseProjects: readonly BaseProject[];
  applyOn: "comment" | "merge";
  /** The server's policy checks, when they apply to this repo (`policies.repos`). */
  policies: ServerConfig["policies"];
  automerge: boolean;
  approvals: number;
  parallelPlan: boolean;
  parallelApply: boolean;
  /** PR worktrees may be sparse: the server allows it and the base branch's config does not turn it off. */
  sparseCheckout: boolean;
  requirementsFor(project: Project): Requirement[];
  /** Teams (`org/team-slug`) whose members may apply: the server's, plus the base branch's when allowed. */
  applyTeams: string[];
  /** A `-destroy` plan of the project may be applied: the server says so, or the trusted project does. */
  allowDestroyFor(project: Project): boolean;
  /** What the project's lock covers (see `lockScope`): "" the whole dir + workspace, or its trusted name. */
  lockScopeFor(project: Project): string;
  /** The project's custom workflow from the base branch, or an explanation of why none runs. */
  workflowFor(project: Project): { workflow?: Workflow; refusal?: string };
  /** The project's terraform/tofu binary name from the trusted config, if it names one. */
  binaryFor(project: Project): string | undefined;
  /**
   * The repo's kubeconfigs (server `kubeconfigs`): what applies use, what plans use (none: plans
   * have no cluster), and what previews plan and apply with (none: no Kubernetes previews).
   */
  kubeconfig?: { apply: string; plan?: string; preview?: string };
  /**
   * What a new project (not on the base branch) plans and applies with instead (server
   * `new_projects.kubeconfig`): the repository's kubeconfig is its base branch's projects' credential.
   */
  newProjectKubeconfig?: { apply: string; plan?: string };
  /**
   * Pull mode: the server's defaults, under the repo's (top level, then the trusted project's, found
   * by dir and workspace) when allowed.
   */
  driftFor(project: Pick<Project, "dir" | "workspace" | "name">): DriftSettings;
  /** The trusted project's `preview:`, when the server lets repositories set it; else none. */
  previewFor(project: Pick<Project, "dir" | "workspace" | "name">): PreviewSettings | undefined;
  /** The trusted project's `destroy_at` / `idle_ttl`, under the same rule as `preview:`; else none. */
  destroyScheduleFor(project: Pick<Project, "dir" | "workspace" | "name">): DestroySchedule | undefined;
  /** Secret values by server secret name (read from the server's environment). */
  secret(name: string): string | undefined;
  /** Helm `secret_set` of the trusted project (value key -> server secret name); never the PR's. */
  secretSetFor(project: Project): Record<string, string>;
  /** The server's `network` rule for the project's runs, by its trusted identity (the first rule covering it). */
  networkFor(project: Pick<Project, "dir" | "workspace" | "name">): NetworkMode;
  /** The server's `credentials` rule for the project, by its trusted identity; a new project's: `new_projects`. */
  credentialsFor(project: Pick<Project, "dir" | "workspace" | "name">): CredentialChoice;
  /**
   * The rules that read the project's plans: the server's `protect` plus the trusted project's,
   * and `destroy` / `auto_approve` from the trusted project where `allowed_overrides` lets it, else
   * the server's. Never from the pull request's own config.
   */
  planRulesFor(project: Pick<Project, "dir" | "workspace" | "name">): PlanRules;
}

/**
 * The trusted config's project for a project of the PR, found by what the project *is* (its dir
 * and workspace), never by the name the PR gives it: a PR that renames `prod` to a weaker
 * project's name gets prod's settings. Several trusted projects on one dir and workspace are told
 * apart by name; a project the trusted config does not know gets the server's defaults.
 */
export function trustedProjectFor(trusted: RepoConfig | undefined, project: Pick<Project, "dir" | "workspace" | "name">) {
  const here = (trusted?.projects ?? []).filter((p) => p.dir === project.dir && p.workspace === project.workspace);
  if (here.length === 1) return here[0];
  return here.find((p) => p.name === project.name);
}

/**
 * `baseProjects`: the base branch's projects, who the PR's projects are (see baseProjectsOf);
 * default: the trusted config's own, which is all of them when its autodiscovery is off.
 */
export function repoSettings(
  server: ServerConfig,
  repoFullName: string,
  base: RepoConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
  baseProjects: readonly BaseProject[] = baseProjectsOf(base, undefined),
  /** Names the repository had before a rename or transfer (restricting rules naming them still hold). */
  formerRepos: readonly string[] = [],
): RepoSettings {
  // A repo without a config file has nothing to override with: its defaults are not choices.
  const trusted = base && base.source !== "none" ? base : undefined;
  const { identityOfProject, trustedOf } = trustedLookup(repoFullName, baseProjects, trusted, formerRepos);
  const may = (key: ServerConfig["allowed_overrides"][number]) => trusted !== undefined && server.allowed_overrides.includes(key);
  const customAllowed = globsCover(server.allow_custom_workflows, repoFullName);
  const kubeconfig = Object.entries(server.kubeconfigs).find(([glob]) => repoGlobMatches(glob, repoFullName))?.[1];

  return {
    identityOf: identityOfProject,
    recordNameOf: (project) => recordName(identityOfProject(project), project, baseProjects),
    baseProjects,
    applyOn: may("apply_on") && trusted ? trusted.applyOn : server.apply_on,
    policies: policiesFor(server, repoFullName),
    automerge: may("automerge") && trusted ? trusted.automerge : server.automerge,
    approvals: may("approvals") && trusted ? trusted.approvals : server.approvals,
    parallelPlan: trusted ? trusted.parallelPlan : true,
    parallelApply: trusted ? trusted.parallelApply : true,
    sparseCheckout: server.sparse_checkout && trusted?.sparseCheckout !== false,
    applyTeams: [...new Set([...server.apply_teams, ...(may("apply_teams") ? (trusted?.applyTeams ?? []) : [])])],
    lockScopeFor(project) {
      return lockScope(trusted, project);
    },
    allowDestroyFor(project) {
      return server.allow_destroy || trustedOf(project)?.allowDestroy === true;
    },
    requirementsFor(project) {
      const own = trustedOf(project)?.applyRequirements;
      return own && may("apply_requirements") ? own : server.apply_requirements;
    },
    workflowFor(project) {
      return workflowFor(server, trusted, trustedOf(project)?.workflow, { customAllowed, mayChoose: may("workflow") });
    },
    binaryFor(project) {
      const name = trustedOf(project)?.terraformBinary;
      // Only terraform or tofu builds, by name on the server's PATH: a repo must not pick `sh`.
      return name && /^(terraform|tofu)[A-Za-z0-9_.+-]*$/.test(name) ? name : undefined;
    },
    kubeconfig,
    newProjectKubeconfig: server.new_projects.kubeconfig,
    driftFor(project) {
      const d = server.drift;
      const base: DriftSettings = { onDrift: d.on_drift, allowDestroy: d.allow_destroy, ...(d.schedule ? { schedule: d.schedule } : {}) };
      if (!may("drift")) return base;
      // Found by what the project is, never by its name: autodiscovery names a dir's project after
      // the dir, so `net/` is called `net` like a configured project on `infra/net`, whose opt-in
      // (`on_drift: apply`, `allow_destroy`) must not reconcile it.
      return { ...base, ...trusted?.drift, ...trustedOf(project)?.drift };
    },
    previewFor(project) {
      // From the trusted config only, found by what the project is: a PR never opts itself in.
      return may("preview") ? trustedOf(project)?.preview : undefined;
    },
    destroyScheduleFor(project) {
      // Destroying a workspace is a preview's kind of power: the same opt-in, the same trusted config.
      return may("preview") ? trustedOf(project)?.destroySchedule : undefined;
    },
    secret(name) {
      const ref = Object.hasOwn(server.secrets, name) ? server.secrets[name] : undefined;
      if (!ref) return undefined;
      return env[ref.slice("env:".length)];
    },
    secretSetFor(project) {
      return trustedOf(project)?.helm?.secretSet ?? {};
    },
    networkFor(project) {
      const id = identityOfProject(project);
      return Object.entries(server.network).find(([match]) => ruleCovers(match, id, "restrict"))?.[1] ?? "on";
    },
    credentialsFor(project) {
      return credentialRuleFor(server.credentials, identityOfProject(project), server.new_projects.credentials);
    },
    planRulesFor(project) {
      return planRulesOf(server, trusted?.source ?? "", trustedOf(project), may);
    },
  };
}
