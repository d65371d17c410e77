import { repoFullName } from "../model/repo.js";
import type { Payload } from "./ingress-payload.js";

/**
 * Pure: who pushed a pull request's new head, from a signed `pull_request.synchronize` (GitHub
 * sends it for a push to the PR's branch, its `sender` the pusher). Other actions say who opened,
 * reopened or marked ready, not who pushed: they tell nothing of the head's pusher.
 */
export function headPushOf(
  event: string,
  payload: unknown,
): { repo: string; pr: number; sha: string; pusher: string; pusherId?: number; pushedAt?: string } | undefined {
  if (event !== "pull_request") return undefined;
  const p = (payload ?? {}) as Payload;
  if (p.action !== "synchronize") return undefined;
  const pr = p.pull_request?.number;
  const sha = p.pull_request?.head?.sha;
  const pusher = p.sender?.login;
  const owner = p.repository?.owner?.login;
  const name = p.repository?.name;
  if (!pr || !sha || !pusher || !owner || !name) return undefined;
  // The PR's `updated_at` is the push's time on GitHub's clock, the one a comment's `created_at` is on.
  const pushedAt = p.pull_request?.updated_at;
  // The account id too: the login is the account's name for now, and its owner may rename it.
  const pusherId = p.sender?.id;
  return {
    repo: repoFullName({ owner, name }),
    pr,
    sha,
    pusher,
    ...(Number.isSafeInteger(pusherId) ? { pusherId } : {}),
    ...(pushedAt && !Number.isNaN(Date.parse(pushedAt)) ? { pushedAt } : {}),
  };
}
