import { describe, expect, it } from "vitest";
import { type RetryPolicy, retryDelayMs, toVcsError } from "../../src/vcs/github/with-retry.js";

const NOW = 1_700_000_000_000;
const RESET_IN_AN_HOUR = String(NOW / 1000 + 3600);
const policy: RetryPolicy = { attempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRateLimitWaitMs: 15 * 60_000 };

/** An Octokit RequestError as far as the adapter reads it; GitHub sends the rate-limit headers on every answer. */
const answer = (status: number | undefined, headers: Record<string, string> = {}, message = "boom") => ({
  status,
  message,
  response: { headers: { "x-ratelimit-remaining": "4999", "x-ratelimit-reset": RESET_IN_AN_HOUR, ...headers } },
});

describe("toVcsError: which failures are rate limits", () => {
  const cases: [string, ReturnType<typeof answer>, { retryable: boolean; reason?: unknown }][] = [
    ["502 with the usual headers", answer(502), { retryable: true, reason: { kind: "transient" } }],
    ["network failure (no status)", answer(undefined), { retryable: true, reason: { kind: "transient" } }],
    ["404", answer(404), { retryable: false }],
    ["422", answer(422), { retryable: false }],
    ["403 without rate-limit signs", answer(403, {}, "Resource not accessible by integration"), { retryable: false }],
    [
      "403 primary limit",
      answer(403, { "x-ratelimit-remaining": "0" }),
      { retryable: true, reason: { kind: "rate-limit", waitMs: 3_600_000 } },
    ],
    ["403 with retry-after", answer(403, { "retry-after": "30" }), { retryable: true, reason: { kind: "rate-limit", waitMs: 30_000 } }],
    ["429 with retry-after", answer(429, { "retry-after": "2" }), { retryable: true, reason: { kind: "rate-limit", waitMs: 2_000 } }],
    [
      "403 secondary limit, message only",
      answer(403, {}, "You have exceeded a secondary rate limit"),
      { retryable: true, reason: { kind: "rate-limit", waitMs: undefined } },
    ],
    ["429 without headers", answer(429), { retryable: true, reason: { kind: "rate-limit", waitMs: undefined } }],
  ];
  it.each(cases)("%s", (_name, err, want) => {
    const out = toVcsError(err, "calling", NOW);
    expect(out.retryable).toBe(want.retryable);
    expect(out.reason).toEqual(want.reason);
  });

  // What @octokit/graphql throws for an answer with `errors` (HTTP 200): no status, as a network failure has none.
  const graphqlError = (type: string, message: string) =>
    Object.assign(new Error(`Request failed due to following response errors:\n - ${message}`), {
      name: "GraphqlResponseError",
      errors: [{ type, message }],
      headers: {},
    });

  it("a GraphQL error (no permission) is not retried, and says GraphQL answered, not that GitHub did not", () => {
    const out = toVcsError(graphqlError("FORBIDDEN", "Resource not accessible by integration"), "reading the review decision", NOW);
    expect(out.retryable).toBe(false);
    expect(out.message).toContain("GitHub's GraphQL API answered with errors");
    expect(out.message).toContain("Resource not accessible by integration");
  });

  it("control: GraphQL's rate limit is waited out as a secondary limit", () => {
    const out = toVcsError(graphqlError("RATE_LIMITED", "API rate limit exceeded"), "reading the review decision", NOW);
    expect(out.retryable).toBe(true);
    expect(out.reason).toEqual({ kind: "rate-limit", waitMs: undefined });
  });
});

describe("retryDelayMs", () => {
  it("backs a transient failure off exponentially with jitter, within the policy, never to the reset", () => {
    for (const random of [0, 0.5, 0.999]) {
      const delays = [1, 2, 3, 8].map((attempt) => retryDelayMs({ kind: "transient" }, attempt, policy, random));
      expect(delays[0]).toBeGreaterThanOrEqual(500);
      expect(delays[0]).toBeLessThanOrEqual(1_000);
      expect(delays[1]).toBeGreaterThanOrEqual(1_000);
      expect(delays[1]).toBeLessThanOrEqual(2_000);
      expect(delays[2]).toBeLessThanOrEqual(4_000);
      expect(delays[3]).toBeLessThanOrEqual(policy.maxDelayMs);
    }
    expect(retryDelayMs({ kind: "transient" }, 1, policy, 0)).not.toBe(retryDelayMs({ kind: "transient" }, 1, policy, 0.9));
  });

  it("waits a rate limit out as GitHub says, up to the policy's cap", () => {
    expect(retryDelayMs({ kind: "rate-limit", waitMs: 30_000 }, 1, policy, 0.3)).toBe(30_000);
    expect(retryDelayMs({ kind: "rate-limit", waitMs: 3_600_000 }, 1, policy, 0.3)).toBe(15 * 60_000);
    // A secondary limit that names no time: at least a minute, then growing.
    expect(retryDelayMs({ kind: "rate-limit", waitMs: undefined }, 1, policy, 0.3)).toBe(60_000);
    expect(retryDelayMs({ kind: "rate-limit", waitMs: undefined }, 2, policy, 0.3)).toBe(120_000);
  });
});
