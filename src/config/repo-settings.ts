import picomatch from "picomatch";
import type { DriftSettings } from "../model/drift.js";
import type { Project } from "../model/project.js";
import type { RepoConfig, Requirement, Workflow } from "../model/repo-config.js";
import type { ServerConfig } from "./server-config.js";

/**
 * The settings a job acts on. Everything that decides who may apply, what must hold first, and
 * which custom commands run comes from the server config or the base branch's repo config
 * (trusted: it was reviewed and merged), never from the pull request's own changes.
 */
export interface RepoSettings {
  applyOn: "comment" | "merge";
  automerge: boolean;
  approvals: number;
  parallelPlan: boolean;
  parallelApply: boolean;
  requirementsFor(project: Project): Requirement[];
  /** The project's custom workflow from the base branch, or an explanation of why none runs. */
  workflowFor(project: Project): { workflow?: Workflow; refusal?: string };
  /** The project's terraform/tofu binary name from the trusted config, if it names one. */
  binaryFor(project: Project): string | undefined;
  kubeconfig?: string;
  /** Pull mode: the server's defaults, under the repo's (top level, then per project) when allowed. */
  driftFor(project: Pick<Project, "name">): DriftSettings;
  /** Secret values by server secret name (read from the server's environment). */
  secret(name: string): string | undefined;
}

export function repoSettings(
  server: ServerConfig,
  repoFullName: string,
  base: RepoConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): RepoSettings {
  // A repo without a config file has nothing to override with: its defaults are not choices.
  const trusted = base && base.source !== "none" ? base : undefined;
  const may = (key: ServerConfig["allowed_overrides"][number]) => trusted !== undefined && server.allowed_overrides.includes(key);
  const customAllowed = server.allow_custom_workflows.some((g) => picomatch(g, { nocase: true })(repoFullName));
  const kubeconfig = Object.entries(server.kubeconfigs).find(([glob]) => picomatch(glob, { nocase: true })(repoFullName))?.[1];
  const byName = new Map((trusted?.projects ?? []).map((p) => [p.name, p]));

  return {
    applyOn: may("apply_on") && trusted ? trusted.applyOn : server.apply_on,
    automerge: may("automerge") && trusted ? trusted.automerge : server.automerge,
    approvals: may("approvals") && trusted ? trusted.approvals : server.approvals,
    parallelPlan: trusted ? trusted.parallelPlan : true,
    parallelApply: trusted ? trusted.parallelApply : true,
    requirementsFor(project) {
      const own = byName.get(project.name)?.applyRequirements;
      return own && may("apply_requirements") ? own : server.apply_requirements;
    },
    workflowFor(project) {
      const name = byName.get(project.name)?.workflow;
      if (!name || !trusted) return {};
      const workflow = trusted.workflows[name];
      if (!workflow) return {};
      const custom = [...workflow.plan, ...workflow.apply].some((s) => s.kind === "run");
      if (custom && !customAllowed) {
        return {
          refusal: `workflow \`${name}\` has \`run\` steps, and this server does not allow custom commands for this repository (server setting \`allow_custom_workflows\`)`,
        };
      }
      if (!may("workflow") && !customAllowed) {
        return { refusal: `workflow \`${name}\` is set, but this server does not let repositories choose workflows (server setting \`allowed_overrides\`)` };
      }
      return { workflow };
    },
    binaryFor(project) {
      const name = byName.get(project.name)?.terraformBinary;
      // Only terraform or tofu builds, by name on the server's PATH: a repo must not pick `sh`.
      return name && /^(terraform|tofu)[A-Za-z0-9_.+-]*$/.test(name) ? name : undefined;
    },
    kubeconfig,
    driftFor(project) {
      const d = server.drift;
      const base: DriftSettings = { onDrift: d.on_drift, allowDestroy: d.allow_destroy, ...(d.schedule ? { schedule: d.schedule } : {}) };
      if (!may("drift")) return base;
      return { ...base, ...trusted?.drift, ...byName.get(project.name)?.drift };
    },
    secret(name) {
      const ref = server.secrets[name];
      if (!ref) return undefined;
      return env[ref.slice("env:".length)];
    },
  };
}
