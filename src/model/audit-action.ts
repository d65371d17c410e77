/**
 * Every action an audit event records, and what it means. The store takes only these (a new one
 * is added here first), and the manual's audit event reference is generated from this list.
 */
export const AUDIT_ACTIONS = {
  "gate-allowed":
    "The gate let a road through (an apply, a reconcile, a preview, `/import`, `/state rm`, a state push): its `road`, the approvals it counted",
  "gate-refused": "The gate refused a road: its `road`, the `rule` that refused and why",
  "lock-wait": "A plan waited for, or was refused, a project lock another pull request holds",
  "agent-proposed": "A plan made for a pull request an agent (server `agents`) opened or pushed",
  unlock: "A project's lock released (`/unlock`, the console or the API), once its job released it",
  pause: "Every apply paused on this server (`/applies pause` or the console), with the reason",
  resume: "Applies resumed",
  "drift-pause": "Reconciling one project paused (`/drift pause`, the console, or an interrupted reconcile)",
  "drift-resume": "Reconciling one project resumed",
  reconcile: "A drift reconcile applied git's state back to a project",
  reconciled: "What a lost webhook left undone, done by the reconcile sweep (kind `pr-closed`, `head-moved` or `check-orphaned`)",
  "preview-destroy": "A pull request's preview destroyed from the console",
  "state-kept": "A state terraform could not save kept by Sluice, its project held until it is pushed",
  "state-pushed": "A kept state pushed to its backend (`/state push-errored`), read back, and the hold released",
  "audit-redeliver": "An admin asked for an audit event to be sent to a sink again",
  "api-token-issue": "An API token issued",
  "api-token-revoke": "An API token revoked",
  "repository-moved":
    "A repository renamed or transferred on GitHub: its locks, saved plans, state holds, drift and queued work moved to the new name (`repo`); the detail names the old one",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
