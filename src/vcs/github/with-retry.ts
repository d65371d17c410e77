import { VcsError } from "../vcs-client.js";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 };

interface HttpishError {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Turns whatever Octokit threw into a VcsError that says whether trying again is safe. */
export function toVcsError(e: unknown, what: string): VcsError & { retryAfterMs?: number } {
  if (e instanceof VcsError) return e;
  const err = e as HttpishError;
  const status = typeof err.status === "number" ? err.status : undefined;
  const headers = err.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  const rateLimited =
    status === 429 || (status === 403 && (Number.isFinite(retryAfter) || headers["x-ratelimit-remaining"] === "0"));
  // No status: network failure or timeout (AbortSignal).
  const retryable = status === undefined || status >= 500 || rateLimited;
  const out = new VcsError(
    `${what}: ${status ? `GitHub answered ${status}` : "no answer from GitHub"}${err.message ? ` (${String(err.message).slice(0, 200)})` : ""}`,
    status,
    retryable,
  ) as VcsError & { retryAfterMs?: number };
  if (Number.isFinite(retryAfter)) out.retryAfterMs = retryAfter * 1000;
  else if (headers["x-ratelimit-reset"]) {
    out.retryAfterMs = Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - Date.now());
  }
  return out;
}

/**
 * Retries an idempotent call on 5xx, rate limits and network failures, honouring retry-after.
 * `beforeRetry` lets a non-idempotent call check whether its earlier attempt landed after all.
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  opts: { beforeRetry?: () => Promise<T | undefined>; onRetry?: (err: VcsError, delayMs: number) => void } = {},
): Promise<T> {
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return await fn();
    } catch (e) {
      const err = toVcsError(e, what);
      if (!err.retryable || attempt >= policy.attempts) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.min(policy.maxDelayMs, Math.max(err.retryAfterMs ?? 0, backoff));
      opts.onRetry?.(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      if (opts.beforeRetry) {
        const landed = await opts.beforeRetry().catch(() => undefined);
        if (landed !== undefined) return landed;
      }
    }
  }
}
