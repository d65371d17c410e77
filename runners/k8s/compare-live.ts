import type { ExecResult } from "../exec.js";
import type { Exec } from "../runner.js";
import { diffObjects } from "./diff-objects.js";
import { type LiveDiff, type LiveDiffCommon, liveDiffFailure, liveDiffTimeout, tryExec } from "./live-diff.js";
import type { ConcretePath } from "./ignore-paths.js";
import { maskPaths, maskSecretDerived } from "./mask-secret-derived.js";
import { parseManifests } from "./parse-manifests.js";
import { stripServerFields } from "./strip-server-fields.js";

/** One side's manifests as the tool printed them (Secrets in clear), or why it could not be read. */
export type LiveSide = { text: string; note?: string } | { reason: string };

/** Runs the tool with the live diff's options; a spawn failure comes back as its message. */
export type RunTool = (argv: string[]) => Promise<ExecResult | string>;

export interface LiveComparison {
  cwd: string;
  /** Namespace of objects that name none. */
  namespace: string;
  /** The cluster's side. Read first: its Secret values then redact a failing head step's output. */
  live(run: RunTool, timeoutMs: number): Promise<LiveSide>;
  /** What applying the head would make of it. */
  head(run: RunTool, timeoutMs: number): Promise<LiveSide>;
  /**
   * The head again with every server-held secret replaced by a random placeholder (none when the
   * project has no server secret): the head is rendered where the plan's canary renders were not
   * (an upgrade, against the cluster), so what it derives from a secret is found on it again.
   */
  canaryHead?(run: RunTool, timeoutMs: number): Promise<LiveSide>;
  /** How parse errors of each side are named, and the sentence a parse error is reported in. */
  names: { live: string; head: string; invalid: string };
  /** The one line saying which two views were compared. */
  compared: string;
}

const identity = (s: string) => s;

/**
 * The frame both Kubernetes live diffs share: read the two sides, parse and hash them (so a Secret
 * never shows in clear), drop server fields, diff. Every failure is a LiveDiff failure whose reason
 * is redacted with every Secret value read so far.
 */
export async function compareLive(i: LiveDiffCommon, exec: Exec, c: LiveComparison): Promise<LiveDiff> {
  const timeoutMs = liveDiffTimeout(i.timeoutMs);
  const found: string[] = [];
  const fail = (reason: string) => liveDiffFailure(reason, i.redact, found, i.knownSecrets);
  // Both outputs hold Secrets in clear: captured raw, parsed and hashed before anything shows them.
  const opts = { cwd: c.cwd, env: i.env, timeoutMs, redact: identity };
  const run: RunTool = (argv) => tryExec(() => exec(i.bin, argv, opts));

  const live = await c.live(run, timeoutMs);
  if ("reason" in live) return fail(live.reason);
  const before = parseManifests(live.text, c.namespace, i.hashing);
  found.push(...before.secretValues);
  const head = await c.head(run, timeoutMs);
  const canary = c.canaryHead ? await c.canaryHead(run, timeoutMs) : undefined;
  if ("reason" in head) {
    // The tool's message can quote what the chart made of a secret (an invalid label holding it
    // reversed), which no redactor recognises: with server secrets, the placeholder run's message
    // is shown instead, or none.
    if (!canary) return fail(head.reason);
    if ("reason" in canary) return fail(`${canary.reason} (the message of the same run with placeholder secrets)`);
    return fail(
      `${c.names.head} failed with the real secrets only; its message is not shown, as it can quote a value derived from a server-held secret`,
    );
  }
  const after = parseManifests(head.text, c.namespace, i.hashing);
  found.push(...after.secretValues);

  const problem = before.errors.map((e) => `${c.names.live}: ${e}`).concat(after.errors.map((e) => `${c.names.head}: ${e}`))[0];
  if (problem) return fail(`${c.names.invalid}: ${problem}`);
  // Objects read back carry status and server bookkeeping; a chart may template `status` or copy
  // a last-applied annotation (a Secret in clear): the same rule for every side.
  stripServerFields(before.objects);
  stripServerFields(after.objects);
  const derived = new Map<string, ConcretePath[]>();
  if (canary) {
    if ("reason" in canary)
      return fail(`${c.names.head} with placeholder secrets failed, so the fields derived from secrets cannot be told: ${canary.reason}`);
    const twin = parseManifests(canary.text, c.namespace, i.hashing);
    if (twin.errors.length) return fail(`${c.names.invalid}: ${c.names.head} with placeholder secrets: ${twin.errors[0]}`);
    stripServerFields(twin.objects);
    const shaped = maskSecretDerived(after.objects, twin.objects, i.hashing, derived);
    if (shaped.problems.length) return fail(`not shown: ${shaped.problems.join("; ")}`);
  }
  // The cluster's release and the dry run hold the real secret's derivations (a checksum) too.
  for (const paths of [i.secretDerived ?? new Map(), derived]) {
    maskPaths(before.objects, paths, i.hashing);
    maskPaths(after.objects, paths, i.hashing);
  }
  return {
    ok: true,
    diff: diffObjects(before.objects, after.objects, { ignore: i.ignore }),
    compared: c.compared,
    notes: [live.note, head.note].filter((n): n is string => n !== undefined),
    secretValues: found,
  };
}
