/** Which projects a comment command applies to; all fields are optional and combine with AND. */
export interface ProjectFilter {
  project?: string;
  dir?: string;
  workspace?: string;
}

/** Whether a plan or lock (by project name, dir and workspace) is picked by a command's filter. */
export function matchesFilter(item: { project: string; dir: string; workspace: string }, filter: ProjectFilter | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.project === undefined || item.project === filter.project) &&
    (filter.dir === undefined || item.dir === filter.dir) &&
    (filter.workspace === undefined || item.workspace === filter.workspace)
  );
}

/** A comment command, already validated (flags known, values well-formed). */
export type Command =
  /** `why`: `/plan --why` only says which projects the change plans and why; nothing runs. */
  | { kind: "plan"; filter: ProjectFilter; extraArgs: string[]; why?: true }
  /** `--override-window -- REASON`: a server admin applies outside the project's apply window (audited). */
  /** `--override-protect -- REASON`: an owner applies a plan that destroys or replaces a protected address (audited). */
  | { kind: "apply"; filter: ProjectFilter; overrideWindow?: { reason: string }; overrideProtect?: { reason: string } }
  | { kind: "unlock"; filter: ProjectFilter }
  /** Pull mode: `/drift` checks now; `pause`/`resume` stop and restart reconciliation of a project. */
  | { kind: "drift"; action: "check" | "pause" | "resume"; filter: ProjectFilter; reason?: string }
  /** `/import ADDRESS ID`: bring an existing object under a resource address (Terraform's `import`). */
  | { kind: "import"; filter: ProjectFilter; address: string; id: string }
  /** `/state rm ADDRESS…`: forget resources without destroying them. */
  | { kind: "state_rm"; filter: ProjectFilter; addresses: string[] }
  /** `/state push-errored`: push the state Sluice kept when terraform could not save it, and release the project's hold. */
  | { kind: "state_push"; filter: ProjectFilter }
  /** `/approve_policies`: a policy owner lifts failed policy checks of the current plans (or clears approvals). */
  | { kind: "approve_policies"; filter: ProjectFilter; clear: boolean }
  /** `/applies pause|resume`: stop or restart every apply on this server (admins only). */
  | { kind: "applies"; action: "pause" | "resume"; reason?: string }
  /** `/preview destroy|recreate|extend DURATION [-p PROJECT]`: this pull request's previews (writers). */
  | { kind: "preview"; action: "destroy" | "recreate" | "extend"; filter: ProjectFilter; extendMs?: number }
  | { kind: "help" };

/**
 * What a comment means to Sluice:
 * - none: not addressed to us (no reply at all);
 * - command: a valid command;
 * - invalid: addressed to us but malformed or unknown: reply with the reason and usage.
 */
export type ParseResult = { type: "none" } | { type: "command"; command: Command } | { type: "invalid"; reason: string };
