import type { RepoConfig, Workflow } from "../model/repo-config.js";
import type { ServerConfig } from "./server-config.js";

/**
 * The custom workflow a trusted project names (`name`), or why none runs: the repo's own only where
 * the server lets this repository bring one, else a server workflow it offers. See
 * RepoSettings.workflowFor.
 */
export function workflowFor(
  server: ServerConfig,
  trusted: RepoConfig | undefined,
  name: string | undefined,
  allowed: { customAllowed: boolean; mayChoose: boolean },
): { workflow?: Workflow; refusal?: string } {
  const { customAllowed } = allowed;
  if (!name) return server.default_workflow ? { workflow: server.serverWorkflows[server.default_workflow] } : {};
  // Own keys only: a name such as `toString` must not find what every object has.
  const own = trusted && Object.hasOwn(trusted.workflows, name) ? trusted.workflows[name] : undefined;
  if (!own) {
    // Not the repo's own: a workflow the operator wrote, if the server lets repos pick it.
    const offered =
      server.allowed_workflows.includes(name) && Object.hasOwn(server.serverWorkflows, name) ? server.serverWorkflows[name] : undefined;
    if (offered) return { workflow: offered };
    return {
      refusal: `workflow \`${name}\` is not defined in the base branch's config, and it is not a server workflow this server lets repositories use (server setting \`allowed_workflows\`)`,
    };
  }
  // A server that offers repositories its own workflows binds them to those, as Atlantis does
  // (0.49): unless the repository may define custom workflows, its config cannot bring one of
  // its own, not even one named like a server workflow.
  if (!customAllowed && server.allowed_workflows.length > 0) {
    return {
      refusal: `workflow \`${name}\` is defined in the base branch's config, but this server lets this repository use only the server's workflows (server settings \`allowed_workflows\`: ${server.allowed_workflows.map((w) => `\`${w}\``).join(", ")}; \`allow_custom_workflows\` does not name it)`,
    };
  }
  const custom = [...own.plan, ...own.apply].some((s) => s.kind === "run");
  if (custom && !customAllowed) {
    return {
      refusal: `workflow \`${name}\` has \`run\` steps, and this server does not allow custom commands for this repository (server setting \`allow_custom_workflows\`)`,
    };
  }
  if (!allowed.mayChoose && !customAllowed) {
    return {
      refusal: `workflow \`${name}\` is set, but this server does not let repositories choose workflows (server setting \`allowed_overrides\`)`,
    };
  }
  return { workflow: own };
}
