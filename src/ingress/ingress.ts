import { repoFullName } from "../model/repo.js";
import type { JobTarget } from "../model/job.js";
import { renamedIn } from "../model/repo-move.js";
import type { Store } from "../store/store.js";
import { eventToJob, type IngressSettings } from "./event-to-job.js";
import type { Delivery } from "./verify-delivery.js";
import { foreignHost, type GithubHosts, repositoryMismatch } from "./delivery-hosts.js";
import { actOnceKeys } from "./act-once-keys.js";
import { headPushOf } from "./head-push-of.js";
import { followRepository, moveOnRepositoryEvent } from "./follow-repository.js";

export interface IngressOptions extends IngressSettings {
  store: Store;
  /** Whether the server acts on this repository (the `repos:` allowlist). */
  allowed(fullName: string): boolean;
  /** The settings of one repository (its `repos:` entries applied); default: the options' own. */
  settingsFor?(fullName: string): IngressSettings;
  onJob: () => void;
  /** Metrics: a delivery (or replayed comment) seen before. */
  onDuplicate?: () => void;
  /** Where the configured GitHub is: a delivery whose repository URLs name another host is refused. */
  hosts: GithubHosts;
  /** Metrics: a delivery refused for what it says (a repository URL on another host). */
  onRefused?: (reason: string) => void;
  log: { info(obj: object, msg: string): void; debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Decides (pure), then persists the delivery and its job atomically, then wakes the worker. */
export function createIngress(opts: IngressOptions) {
  return async (delivery: Delivery): Promise<void> => {
    const foreign = foreignHost(delivery.payload, opts.hosts, delivery.name);
    if (foreign) {
      opts.onRefused?.("foreign_host");
      opts.log.warn({ deliveryId: delivery.id, event: delivery.name }, `delivery refused, nothing fetched: ${foreign}`);
      return;
    }
    const mismatch = repositoryMismatch(delivery.payload);
    if (mismatch) {
      opts.onRefused?.("repository_mismatch");
      opts.log.warn({ deliveryId: delivery.id, event: delivery.name }, `delivery refused, nothing fetched: ${mismatch}`);
      return;
    }
    // A rename's own delivery moves the repository's live state; any other follows a rename it missed.
    if (delivery.name === "repository") return moveOnRepositoryEvent(opts, delivery);
    // Set when the delivery names the repository by a name it was moved away from (made before
    // the move, delivered after): acted on under its name now, where its locks and plans are.
    const follow = await followRepository(opts, delivery);
    const named = (delivery.payload as { repository?: { full_name?: string } }).repository?.full_name;
    // Its rows could not follow it to this name: acted on here, its locks, plans, holds and every
    // rule written for its name would not hold it. Failed, to be redelivered once the move is made.
    if (follow?.how === "refused")
      throw new Error(
        `not acted on: ${named} is the repository known as ${follow.repo}, whose locks, plans and holds could not follow it (see the move's error)`,
      );
    const current = follow?.repo;
    const settingsName = current ?? named;
    // Kept whatever the job decision (a draft's push, autoplan off): an approval counted later must
    // know who pushed the head it approves.
    const push = headPushOf(delivery.name, delivery.payload);
    if (push && opts.allowed(push.repo))
      await opts.store.recordHeadPush(current ?? push.repo, push.pr, push.sha, push.pusher, push.pushedAt, push.pusherId);
    const decision = eventToJob(delivery.name, delivery.payload, (settingsName && opts.settingsFor?.(settingsName)) || opts);
    if ("ignore" in decision) {
      opts.log.debug({ deliveryId: delivery.id, event: delivery.name }, decision.ignore);
      return;
    }
    const payloadName = repoFullName(decision.job.target.repo);
    const job = current ? { ...decision.job, target: renamedIn(decision.job.target, payloadName, current) as JobTarget } : decision.job;
    const fullName = repoFullName(job.target.repo);
    if (!opts.allowed(fullName)) {
      opts.log.info({ deliveryId: delivery.id, repo: fullName }, "repository is not in the server's allowlist: ignored");
      return;
    }
    // The delivery id header is not signed: a captured comment or click replayed under a new id
    // must not act twice (see act-once-keys.ts).
    const once = actOnceKeys(delivery.name, delivery.payload, fullName);
    const { duplicate, jobId } = await opts.store.recordDelivery(delivery.id, delivery.name, job, once);
    if (duplicate) {
      opts.onDuplicate?.();
      opts.log.info({ deliveryId: delivery.id }, "delivery already received: not acted on again");
      return;
    }
    // At debug: the ack path writes nothing else; the job thread logs "job started" when it takes it.
    opts.log.debug({ deliveryId: delivery.id, jobId, repo: fullName, kind: job.spec.kind }, "job queued");
    opts.onJob();
  };
}
