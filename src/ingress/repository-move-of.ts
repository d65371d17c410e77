import { deletedRepositoryName, type RepoMove } from "../model/repo-move.js";

/**
 * The keys of a `repository` event's body, as GitHub documents them. The event's name is a header
 * GitHub does not sign: a signed body of another event sent again under `repository` (a comment's
 * or an issue's deletion, which anyone who can comment can make) was read as the repository's
 * deletion, and its locks, plans, holds and queued jobs went aside.
 */
const REPOSITORY_EVENT_KEYS: ReadonlySet<string> = new Set([
  "action",
  "changes",
  "repository",
  "sender",
  "installation",
  "organization",
  "enterprise",
]);

/** An owner or repository name as GitHub allows them: a payload's names are input like any other. */
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

type Payload = {
  action?: unknown;
  changes?: {
    repository?: { name?: { from?: unknown } };
    owner?: { from?: { user?: { login?: unknown }; organization?: { login?: unknown } } };
  };
  repository?: { id?: unknown; name?: unknown; full_name?: unknown; owner?: { login?: unknown }; updated_at?: unknown };
  sender?: { login?: unknown };
  installation?: { id?: unknown };
};

const installationOf = (p: Payload) => {
  const id = p.installation?.id;
  return typeof id === "number" && Number.isSafeInteger(id) ? { installationId: id } : {};
};

/**
 * Pure: the move a `repository` delivery tells of (`renamed`: `changes.repository.name.from`;
 * `transferred`: `changes.owner.from.user` or `.organization`; `deleted`: aside), `{ ignore }` for another action,
 * or `{ invalid }` when a rename or transfer does not say what it moved.
 */
export function repositoryMoveOf(payload: unknown, deliveryId: string): RepoMove | { ignore: string } | { invalid: string } {
  const p = (payload ?? {}) as Payload;
  const foreign = Object.keys(p).filter((k) => !REPOSITORY_EVENT_KEYS.has(k));
  if (foreign.length)
    return {
      invalid: `a repository delivery whose body has ${foreign.join(", ")}, which no repository event has (X-GitHub-Event is not signed)`,
    };
  if (p.action === "deleted") return deletionOf(p, deliveryId);
  if (p.action !== "renamed" && p.action !== "transferred") return { ignore: `repository.${String(p.action)}: nothing to do` };
  const id = p.repository?.id;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || !isName(owner) || !isName(name))
    return { invalid: `repository.${p.action} without the repository's id, owner and name` };
  const from = p.changes?.owner?.from;
  const oldName = p.action === "renamed" ? p.changes?.repository?.name?.from : name;
  const oldOwner = p.action === "renamed" ? owner : (from?.user?.login ?? from?.organization?.login);
  if (!isName(oldName) || !isName(oldOwner))
    return { invalid: `repository.${p.action} without the repository's former ${p.action === "renamed" ? "name" : "owner"}` };
  const actor = typeof p.sender?.login === "string" ? p.sender.login : "github";
  return {
    from: `${oldOwner}/${oldName}`,
    to: `${owner}/${name}`,
    repoId: id,
    deliveryId,
    actor,
    how: p.action,
    ...installationOf(p),
    ...updatedAtOf(p),
  };
}

/**
 * `repository.deleted`: the repository's rows go aside (deletedRepositoryName), freeing its name;
 * kept, not dropped (a held unsaved state, the locks of its pull requests, for the audit).
 */
function deletionOf(p: Payload, deliveryId: string): RepoMove | { invalid: string } {
  const id = p.repository?.id;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || !isName(owner) || !isName(name))
    return { invalid: "repository.deleted without the repository's id, owner and name" };
  const from = `${owner}/${name}`;
  const actor = typeof p.sender?.login === "string" ? p.sender.login : "github";
  return { from, to: deletedRepositoryName(from, id), repoId: id, deliveryId, actor, how: "deleted", ...installationOf(p) };
}

/** Pure: the repository a delivery names, by GitHub's id and its name now, when it says both. */
export function repositorySeenIn(
  payload: unknown,
): { repoId: number; fullName: string; actor: string; installationId?: number; at?: string } | undefined {
  const p = (payload ?? {}) as Payload;
  const id = p.repository?.id;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || !isName(owner) || !isName(name)) return undefined;
  return {
    repoId: id,
    fullName: `${owner}/${name}`,
    actor: typeof p.sender?.login === "string" ? p.sender.login : "github",
    ...installationOf(p),
    ...updatedAtOf(p),
  };
}

/**
 * GitHub's `repository.updated_at`, which a rename or transfer moves on: a move found by a delivery
 * is as recent as it, and a rename's delivery made before it is outdated (see moveRepository).
 */
function updatedAtOf(p: Payload): { at?: string } {
  const at = p.repository?.updated_at;
  return typeof at === "string" && !Number.isNaN(Date.parse(at)) ? { at } : {};
}

function isName(v: unknown): v is string {
  return typeof v === "string" && NAME.test(v) && v !== "." && v !== "..";
}
