import { VcsError } from "./vcs-client.js";

/**
 * Whether GitHub refused a read outright (401, 403, 404, 410), as it does for a repository deleted
 * or out of the installation: not a fault or a rate limit, which asking again later may get past.
 */
export function refusedOutright(e: unknown): e is VcsError & { status: number } {
  return e instanceof VcsError && !e.retryable && [401, 403, 404, 410].includes(e.status ?? 0);
}
