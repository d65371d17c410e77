import { isDeletedRepositoryName, type RepoMove, type RepoMoveOutcome } from "../model/repo-move.js";
import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import { repositoryMoveOf, repositorySeenIn } from "./repository-move-of.js";
import type { Delivery } from "./verify-delivery.js";

interface FollowOptions {
  store: Store;
  allowed(fullName: string): boolean;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error?(obj: object, msg: string): void };
}

/**
 * A `repository` delivery: a rename or transfer moves the repository's live state (locks, plans,
 * holds…) to its new name, or a lock taken under the old name would not exclude pull requests
 * planned under the new one. Refusals are loud: the new name's rows are another repository's.
 */
export async function moveOnRepositoryEvent(opts: FollowOptions, delivery: Delivery): Promise<void> {
  const move = repositoryMoveOf(delivery.payload, delivery.id);
  if ("ignore" in move) return;
  if ("invalid" in move) {
    opts.log.warn({ deliveryId: delivery.id }, `delivery refused: ${move.invalid}`);
    return;
  }
  if (!opts.allowed(move.from) && !opts.allowed(move.to)) {
    opts.log.info({ deliveryId: delivery.id, repo: move.to }, "repository is not in the server's allowlist: its move ignored");
    return;
  }
  try {
    await moveAndLog(opts, move);
  } catch (e) {
    loud(opts.log)(
      { deliveryId: delivery.id, repo: move.to, from: move.from },
      `repository ${move.how}: ${move.from} → ${move.to} not followed (the delivery fails, to be sent again): ${errorMessage(e)}`,
    );
    // Not recorded: the delivery fails (5xx), so GitHub and the redelivery sweep send it again.
    throw e;
  }
}

/**
 * What a delivery naming the repository otherwise is to be acted on as: `former`, under its name
 * now (the delivery was made before a move); `refused`, not at all (its rows could not move to the
 * name the delivery gives, and stayed under `repo`).
 */
export interface ActUnder {
  repo: string;
  how: "former" | "refused";
}

/**
 * Any other delivery: a repository heard under a new name for its GitHub id was renamed or
 * transferred while its `repository` delivery was lost (or before Sluice heard of renames): its
 * rows under the name last heard follow it. A delivery under a name the repository was moved away
 * from was made before the move (a redelivery): nothing moves back, and the name the repository
 * has now is returned for the delivery to be acted on under. When the move is refused (the new
 * name holds another repository's live rows), that is returned too: under the new name the
 * repository's locks, plans, holds and every rule written for its name would not hold it. A
 * store failure fails the delivery (rejects), for the same reason.
 */
export async function followRepository(opts: FollowOptions, delivery: Delivery): Promise<ActUnder | undefined> {
  const seen = repositorySeenIn(delivery.payload);
  if (!seen || !opts.allowed(seen.fullName)) return undefined;
  let known: string | undefined;
  try {
    known = await opts.store.repositoryName(seen.repoId);
    if (known === seen.fullName) return undefined;
    if (known === undefined) {
      await opts.store.noteRepository(seen.repoId, seen.fullName);
      return undefined;
    }
    // Deleted, and heard of again (restored): its rows come back from where the deletion kept them.
    if (isDeletedRepositoryName(known)) {
      const { repoId, fullName: to, actor, installationId } = seen;
      const out = await moveAndLog(opts, {
        from: known,
        to,
        repoId,
        actor,
        how: "seen",
        ...(installationId !== undefined ? { installationId } : {}),
      });
      return out?.kind === "refused" ? { repo: known, how: "refused" } : undefined;
    }
    if (await opts.store.wasRepositoryName(seen.repoId, seen.fullName)) {
      opts.log.info(
        { deliveryId: delivery.id, repo: known, named: seen.fullName },
        `delivery names the repository by its former name ${seen.fullName}: acted on under ${known}`,
      );
      return { repo: known, how: "former" };
    }
    const { repoId, fullName: to, actor, installationId, at } = seen;
    const out = await moveAndLog(opts, {
      from: known,
      to,
      repoId,
      actor,
      how: "seen",
      ...(installationId !== undefined ? { installationId } : {}),
      // Its time too: a rename's delivery made before it (one that failed, sent again) is outdated.
      ...(at !== undefined ? { at } : {}),
    });
    if (out?.kind === "refused" && out.keptUnder?.includes(known)) return { repo: known, how: "refused" };
    // Made before the move last followed: the name it gives is one the repository no longer has.
    if (out?.kind === "outdated") return { repo: known, how: "former" };
  } catch (e) {
    // Acted on anyway, the delivery would be under a name its locks and plans are not: it fails
    // (5xx), and GitHub and Sluice's redelivery send it again.
    loud(opts.log)(
      { deliveryId: delivery.id, repo: seen.fullName },
      `repository ${known ?? "?"} → ${seen.fullName} (id ${seen.repoId}) not followed, the delivery fails (to be sent again): ${errorMessage(e)}`,
    );
    throw e;
  }
  return undefined;
}

async function moveAndLog(opts: FollowOptions, move: RepoMove): Promise<RepoMoveOutcome | undefined> {
  const where = { deliveryId: move.deliveryId, repo: move.to, from: move.from, repoId: move.repoId };
  if (move.from === move.to) return undefined;
  const out = await opts.store.moveRepository(move);
  if (out.kind === "duplicate") opts.log.info(where, "repository move already received: not moved again");
  else if (out.kind === "outdated") opts.log.info(where, `repository ${move.how}: ${move.from} → ${move.to} not followed: ${out.reason}`);
  else if (out.kind === "refused")
    loud(opts.log)(
      where,
      `repository ${move.how}: ${move.from} → ${move.to} NOT followed: ${out.reason}. Its locks, plans and holds stay under ${move.from}`,
    );
  else
    opts.log.info(
      { ...where, rows: out.rows },
      `repository ${move.how}: ${move.from} → ${move.to}, ${out.rows} row${out.rows === 1 ? "" : "s"} of its live state moved`,
    );
  return out;
}

/** The logger's error level (warn where it has none), called on the logger: pino's methods read their `this`. */
function loud(log: FollowOptions["log"]): (obj: object, msg: string) => void {
  return (obj, msg) => (log.error ? log.error(obj, msg) : log.warn(obj, msg));
}
