import type { RepoMove } from "../model/repo-move.js";
import type { Store } from "../store/store.js";
import { errorMessage } from "../util/errors.js";
import { repositoryMoveOf } from "./repository-move-of.js";
import type { Delivery } from "./webhook-endpoint.js";

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
    (opts.log.error ?? opts.log.warn)(
      { deliveryId: delivery.id, repo: move.to, from: move.from },
      `repository ${move.how}: not followed: ${errorMessage(e)}`,
    );
  }
}

async function moveAndLog(opts: FollowOptions, move: RepoMove): Promise<void> {
  const where = { deliveryId: move.deliveryId, repo: move.to, from: move.from, repoId: move.repoId };
  if (move.from === move.to) return;
  const out = await opts.store.moveRepository(move);
  if (out.kind === "duplicate") opts.log.info(where, "repository move already received: not moved again");
  else if (out.kind === "refused")
    (opts.log.error ?? opts.log.warn)(
      where,
      `repository ${move.how}: ${move.from} → ${move.to} NOT followed: ${out.reason}. Its locks, plans and holds stay under ${move.from}`,
    );
  else
    opts.log.info(
      { ...where, rows: out.rows },
      `repository ${move.how}: ${move.from} → ${move.to}, ${out.rows} rows of its live state moved`,
    );
}
