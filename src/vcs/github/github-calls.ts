import type { Octokit } from "@octokit/rest";
import type { RepoRef } from "../../model/repo.js";
import { type RetryPolicy, withRetry } from "./with-retry.js";

export type { Octokit };

export interface GitHubVcsOptions {
  retry: RetryPolicy;
  requestTimeoutMs: number;
  onRetry?: (message: string, delayMs: number) => void;
  /**
   * The app's slug: only comments by its Bot account (`<app-slug>[bot]`) and check runs of this app
   * are ever taken for Sluice's. Asked for only when a lookup needs it.
   */
  appSlug: () => Promise<string>;
  /** Every answer's `x-ratelimit-remaining`, for the metrics. */
  onRateLimit?: (remaining: number) => void;
}

/** What every group of the adapter's calls shares: the Octokit, the retry policy, a timeout per request. */
export interface GitHubCalls {
  octokit: Octokit;
  appSlug: () => Promise<string>;
  /** Per-request options: the timeout. */
  request: () => { signal: AbortSignal };
  /** Runs a call with the retry policy; `beforeRetry` finds what an attempt with a lost answer did. */
  retry: <T>(what: string, fn: () => Promise<T>, beforeRetry?: () => Promise<T | undefined>) => Promise<T>;
  ids: (repo: RepoRef) => { owner: string; repo: string };
}

export function gitHubCalls(octokit: Octokit, opts: GitHubVcsOptions): GitHubCalls {
  if (opts.onRateLimit) {
    const report = opts.onRateLimit;
    octokit.hook.after("request", (response) => {
      const remaining = Number(response.headers["x-ratelimit-remaining"]);
      if (Number.isFinite(remaining)) report(remaining);
    });
  }
  const onRetry = (err: Error, delay: number) => opts.onRetry?.(err.message, delay);
  return {
    octokit,
    appSlug: opts.appSlug,
    request: () => ({ signal: AbortSignal.timeout(opts.requestTimeoutMs) }),
    retry: (what, fn, beforeRetry) => withRetry(what, fn, opts.retry, { beforeRetry, onRetry }),
    ids: (repo) => ({ owner: repo.owner, repo: repo.name }),
  };
}

/** A rejection handler: GitHub's 404 (the thing is absent) becomes `value`; every other error still propagates. */
export const notFoundAs =
  <T>(value: T) =>
  (e: unknown): T => {
    if ((e as { status?: number }).status === 404) return value;
    throw e;
  };
