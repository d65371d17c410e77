import type { JobTarget } from "../model/job.js";

/** The fields of a webhook payload that ingress reads; GitHub's shapes, every field optional. */
export interface Payload {
  action?: string;
  installation?: { id?: number };
  repository?: {
    id?: number;
    owner?: { login?: string; name?: string };
    name?: string;
    clone_url?: string;
    full_name?: string;
    default_branch?: string;
  };
  sender?: { login?: string; id?: number; type?: string };
  pull_request?: {
    number?: number;
    draft?: boolean;
    merged?: boolean;
    merge_commit_sha?: string | null;
    head?: { sha?: string };
    updated_at?: string;
  };
  issue?: { number?: number; pull_request?: unknown; labels?: { name?: string }[]; user?: { login?: string; type?: string } };
  /** push events */
  ref?: string;
  deleted?: boolean;
  after?: string;
  comment?: { id?: number; body?: string; created_at?: string; user?: { login?: string; id?: number; type?: string } };
  check_run?: CheckPayload & { name?: string; external_id?: string | null };
  check_suite?: CheckPayload;
  requested_action?: { identifier?: string };
  merge_group?: { head_sha?: string; head_ref?: string; base_sha?: string; base_ref?: string };
}

export interface CheckPayload {
  id?: number;
  head_sha?: string;
  completed_at?: string | null;
  conclusion?: string | null;
  /**
   * Open PRs whose head is the check's commit or branch (PRs from forks into this repo are not
   * listed), in this repository or another: GitHub lists a fork's own PR on that commit too.
   */
  pull_requests?: { number?: number; base?: { repo?: { id?: number } } }[];
}

/** The `allow_commands` word that switches a command on or off. */
export const COMMAND_WORD: Record<string, string> = {
  plan: "plan",
  apply: "apply",
  unlock: "unlock",
  import: "import",
  state_rm: "state",
  state_push: "state",
  approve_policies: "approve_policies",
  applies: "applies",
  drift: "drift",
  preview: "preview",
  help: "help",
};

export function targetOf(p: Payload, pr: number, headSha?: string): JobTarget | string {
  const installationId = p.installation?.id;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  const cloneUrl = p.repository?.clone_url;
  if (!installationId) return "no installation id in the payload";
  if (!owner || !name || !cloneUrl) return "no repository in the payload";
  return { installationId, repo: { owner, name }, cloneUrl, pr, payloadHeadSha: headSha };
}

/** The reply to a command `allow_commands` leaves out. */
export function disabledReason(word: string, allowCommands: readonly string[]): string {
  const allowed = allowCommands.map((c) => `\`${c}\``).join(", ") || "none";
  return `\`${word}\` is disabled on this Sluice server (server setting \`allow_commands\`: ${allowed})`;
}

/**
 * Whether an issue may be one of Sluice's drift issues: labelled so, or opened by an app (Sluice
 * opens its own; a person may take the label off). Which ones are is the store's word, read by the
 * job: a person's labelled issue, or another app's, is told or left alone there.
 */
export function mayBeDriftIssue(p: Payload, label: string): boolean {
  return (p.issue?.labels ?? []).some((l) => l.name === label) || p.issue?.user?.type === "Bot";
}
