import type { SecretHashing } from "./hash-secret-values.js";
import type { IgnoreRule } from "./ignore-differences.js";
import type { ConcretePath } from "./ignore-paths.js";
import { createRedactor } from "../../src/util/redact.js";
import type { ExecResult } from "../exec.js";
import type { ObjectDiff } from "./diff-objects.js";
import { errorMessage } from "../../src/util/errors.js";

/**
 * The comparison of the cluster as it is with what applying the head would make of it. Never a
 * plan failure: an unreachable cluster or a refused credential becomes `ok: false` with a short
 * reason, and the render diff is posted as usual.
 */
export type LiveDiff =
  | {
      ok: true;
      diff: ObjectDiff;
      /** One line: which two views were compared, so a reviewer knows what the diff can and cannot show. */
      compared: string;
      notes: string[];
      /** Secret values read from the cluster or the dry run (already hashed in `diff`): for redaction only. */
      secretValues: string[];
    }
  | { ok: false; reason: string; secretValues: string[] };

/**
 * A live diff waits on a remote API server while the project lock is held: an unreachable address
 * should cost minutes, not the whole step timeout.
 */
/** What both live diffs take besides their own target. */
export interface LiveDiffCommon {
  bin: string;
  env: Record<string, string>;
  /** The step timeout; the live diff takes at most LIVE_DIFF_TIMEOUT_MS of it. */
  timeoutMs: number;
  ignore: readonly IgnoreRule[];
  /** The plan's key, so a Secret's marker here matches the one in the render diff. */
  hashing: SecretHashing;
  redact: (text: string) => string;
  /** Secret values already known (render, secret set), also kept out of a failure reason. */
  knownSecrets: string[];
  /** Fields the render found derived from a server secret, by object key: shown as keyed digests here too. */
  secretDerived?: ReadonlyMap<string, readonly ConcretePath[]>;
}

export const LIVE_DIFF_TIMEOUT_MS = 120_000;

export const liveDiffTimeout = (stepTimeoutMs: number): number => Math.min(stepTimeoutMs, LIVE_DIFF_TIMEOUT_MS);

const REASON_MAX = 300;

/**
 * A failed live diff. The reason comes from a tool's stderr, which may echo an object (a Secret in
 * clear): it is redacted with the job's redactor and every Secret value known so far, and only then
 * cut, so the cut cannot leave half a secret behind. `found`: values read in this live diff.
 */
export function liveDiffFailure(
  reason: string,
  redact: (text: string) => string,
  found: readonly string[],
  known: readonly string[] = [],
): LiveDiff & { ok: false } {
  const clean = createRedactor({ secrets: [...known, ...found] })(redact(reason))
    .replace(/\s+/g, " ")
    .trim();
  const short = clean.length > REASON_MAX ? `${clean.slice(0, REASON_MAX - 1)}…` : clean;
  return { ok: false, reason: short, secretValues: [...found] };
}

/** A spawn failure (binary missing) is a live-diff failure too, never a failed plan. */
export async function tryExec(run: () => Promise<ExecResult>): Promise<ExecResult | string> {
  try {
    return await run();
  } catch (e) {
    return errorMessage(e);
  }
}
