/**
 * A repository GitHub renamed or transferred: the rows that key its live state by `owner/name`
 * (locks, saved plans, state holds, drift, queued work…) follow it to the new name, or a lock a
 * pull request took under the old name would not exclude pull requests planned under the new one.
 */
export interface RepoMove {
  /** `owner/name` before. */
  from: string;
  /** `owner/name` now. */
  to: string;
  /** GitHub's id of the repository (a rename does not change it). */
  repoId: number;
  /** The `repository` delivery that told of it: a redelivery moves nothing again. Absent: told by another delivery's new name. */
  deliveryId?: string;
  /** The installation the delivery came through: a transfer to another account changes it. */
  installationId?: number;
  /**
   * When GitHub made it (the delivery's `repository.updated_at`): a move delivered after a later
   * one was followed (a failed delivery redelivered after a rename back) moves nothing.
   */
  at?: string;
  /** Who GitHub says did it (the delivery's sender), for the audit. */
  actor: string;
  /**
   * `renamed`, `transferred`, `seen` (a later delivery named the repository's id under a new name:
   * the rename's own was missed), or `deleted`: its rows go aside, under deletedRepositoryName.
   */
  how: "renamed" | "transferred" | "seen" | "deleted";
}

/**
 * Where a deleted repository's live rows are kept: a name no GitHub repository can have (`~` is
 * not allowed in one), so its name is free for another (one renamed onto it) and nothing of it,
 * a held unsaved state above all, is dropped.
 */
export const deletedRepositoryName = (fullName: string, repoId: number): string => `${fullName}~deleted-${repoId}`;

/** Whether a name is one deletedRepositoryName gave. */
export const isDeletedRepositoryName = (fullName: string): boolean => /~deleted-\d+$/.test(fullName);

/** The name a repository had when it was deleted, for one deletedRepositoryName gave; any other name as it is. */
export const nameBeforeDeletion = (fullName: string): string => fullName.replace(/~deleted-\d+$/, "");

export type RepoMoveOutcome =
  | { kind: "moved"; rows: number }
  /** The delivery was handled before. */
  | { kind: "duplicate" }
  /** GitHub made it before the move last followed: nothing moved (the delivery is spent). */
  | { kind: "outdated"; reason: string }
  /**
   * Nothing moved: the new name already has live rows (another repository's, or one deleted;
   * `keptUnder` names where this repository's rows stayed), or the old name is another's now.
   */
  | { kind: "refused"; reason: string; keptUnder?: string[] };

export interface RepoMoveStore {
  /** Moves every row of the repository's live state from `from` to `to` in one transaction, with an audit event. */
  moveRepository(move: RepoMove): Promise<RepoMoveOutcome>;
  /**
   * The name the repository with this GitHub id was last heard under (recorded by `noteRepository`
   * and `moveRepository`), or undefined.
   */
  repositoryName(repoId: number): Promise<string | undefined>;
  /** Whether the repository was moved away from `fullName` (a delivery under it was made before the move). */
  wasRepositoryName(repoId: number, fullName: string): Promise<boolean>;
  /** The names the repository now called `fullName` was moved away from (renamed or transferred), oldest first. */
  formerRepositoryNames(fullName: string): Promise<string[]>;
  /**
   * Those of formerRepositoryNames no other repository has now: a name another repository took
   * since names that one's plans and rows, never this one's.
   */
  formerNamesFreeOf(fullName: string): Promise<string[]>;
  /** Records that GitHub's repository `repoId` is now called `fullName` (no row moves: see moveRepository). */
  noteRepository(repoId: number, fullName: string): Promise<void>;
}

/**
 * A stored JSON value with the repository's old name replaced wherever it names it: `repo` as
 * `owner/name` or `{owner, name}`, and a clone URL ending in `/owner/name.git`.
 */
export function renamedIn(value: unknown, from: string, to: string, installationId?: number): unknown {
  if (Array.isArray(value)) return value.map((v) => renamedIn(v, from, to, installationId));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  const [owner, name] = to.split("/");
  let moved = false;
  for (const [k, v] of Object.entries(value)) {
    const ref = v as { owner?: unknown; name?: unknown } | null;
    const named = k === "repo" && (v === from || (ref !== null && typeof ref === "object" && `${ref.owner}/${ref.name}` === from));
    if (named) moved = true;
    if (named && v === from) out[k] = to;
    else if (named) out[k] = { ...ref, owner, name };
    else if (k === "cloneUrl" && typeof v === "string" && v.endsWith(`/${from}.git`))
      out[k] = `${v.slice(0, -`${from}.git`.length)}${to}.git`;
    else out[k] = renamedIn(v, from, to, installationId);
  }
  // Transferred to another account, the repository is reached through that account's installation.
  if (moved && installationId !== undefined && typeof out.installationId === "number") out.installationId = installationId;
  return out;
}
