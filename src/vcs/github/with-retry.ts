import { VcsError } from "../vcs-client.js";

export interface RetryPolicy {
  attempts: number;
  /** First backoff step for 5xx and network failures; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest backoff for 5xx and network failures. */
  maxDelayMs: number;
  /** Longest wait a rate limit may impose on one call (GitHub's reset can be up to an hour away). */
  maxRateLimitWaitMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRateLimitWaitMs: 15 * 60_000 };

/** GitHub: "wait for at least one minute" after a secondary rate limit that names no time. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

interface HttpishError {
  status?: number;
  message?: string;
  name?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Why a call may be tried again, and what GitHub said about when. */
export type RetryReason = { kind: "rate-limit"; waitMs: number | undefined } | { kind: "transient" };

export type ClassifiedError = VcsError & { reason?: RetryReason };

/**
 * Turns whatever Octokit threw into a VcsError that says whether trying again is safe.
 * Rate-limit headers count only on a rate-limit answer: GitHub sends `x-ratelimit-reset` on every
 * answer, so reading it on a 502 made each transient failure wait for the hourly reset.
 */
export function toVcsError(e: unknown, what: string, now = Date.now()): ClassifiedError {
  if (e instanceof VcsError) return e;
  const err = e as HttpishError;
  const status = typeof err.status === "number" ? err.status : undefined;
  // GraphQL answers its errors with 200 and a list (no permission, nothing found, a rate limit):
  // none of them goes away by asking again, but a rate limit.
  const graphql = err.name === "GraphqlResponseError" ? ((e as { errors?: { type?: string }[] }).errors ?? []) : undefined;
  const graphqlLimited = graphql?.some((g) => g.type === "RATE_LIMITED") ?? false;
  const headers = err.response?.headers ?? {};
  const retryAfter = headers["retry-after"] === undefined ? Number.NaN : Number(headers["retry-after"]);
  const exhausted = String(headers["x-ratelimit-remaining"]) === "0";
  const reset = Number(headers["x-ratelimit-reset"]);
  // GitHub answers a rate limit with 403 or 429: primary (remaining 0), or secondary (retry-after,
  // or only the message saying so).
  const rateLimited =
    graphqlLimited ||
    status === 429 ||
    (status === 403 && (Number.isFinite(retryAfter) || exhausted || /rate limit/i.test(String(err.message ?? ""))));
  // No status: network failure or timeout (AbortSignal).
  const transient = (status === undefined && !graphql) || (status !== undefined && status >= 500);
  const said = graphql ? "GitHub's GraphQL API answered with errors" : status ? `GitHub answered ${status}` : "no answer from GitHub";
  const out = new VcsError(
    `${what}: ${said}${err.message ? ` (${String(err.message).slice(0, 200)})` : ""}`,
    status,
    rateLimited || transient,
  ) as ClassifiedError;
  if (rateLimited) {
    const waitMs = Number.isFinite(retryAfter)
      ? Math.max(0, retryAfter * 1000)
      : exhausted && Number.isFinite(reset)
        ? Math.max(0, reset * 1000 - now)
        : undefined;
    out.reason = { kind: "rate-limit", waitMs };
  } else if (transient) {
    out.reason = { kind: "transient" };
  }
  return out;
}

/**
 * How long to wait before attempt `attempt + 1` (pure; `random` in [0, 1)). As GitHub documents:
 * a rate limit waits as its headers say (retry-after, else until x-ratelimit-reset), a secondary
 * limit without either at least a minute, growing; anything else backs off exponentially with
 * jitter, so replicas that failed together do not retry together.
 */
export function retryDelayMs(reason: RetryReason, attempt: number, policy: RetryPolicy, random: number): number {
  const step = 2 ** Math.max(0, attempt - 1);
  if (reason.kind === "rate-limit") {
    const cap = policy.maxRateLimitWaitMs ?? DEFAULT_RETRY.maxRateLimitWaitMs ?? SECONDARY_LIMIT_WAIT_MS;
    return Math.min(cap, reason.waitMs ?? SECONDARY_LIMIT_WAIT_MS * step);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * step);
  // "Equal jitter": half the step for sure, the other half at random.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * Retries a call on 5xx, rate limits and network failures. A non-idempotent call passes
 * `beforeRetry`, which looks for what an earlier attempt may have written (a lost answer) and
 * returns it instead of writing again.
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
      const delay = retryDelayMs(err.reason ?? { kind: "transient" }, attempt, policy, Math.random());
      opts.onRetry?.(err, delay);
      await new Promise((r) => setTimeout(r, delay));
      if (opts.beforeRetry) {
        const landed = await opts.beforeRetry().catch(() => undefined);
        if (landed !== undefined) return landed;
      }
    }
  }
}
