import { diffObjects } from "../k8s/diff-objects.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import { type LiveDiff, type LiveDiffCommon, liveDiffFailure, liveDiffTimeout, tryExec } from "../k8s/live-diff.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { stripServerFields } from "../k8s/strip-server-fields.js";
import type { Exec } from "../runner.js";
import { type KubectlTarget, kubectlDryRunApplyArgv, kubectlGetLiveArgv } from "./kustomize-argv.js";

export interface KustomizeLiveDiffInput extends LiveDiffCommon {
  /** The saved plan file: the head render, as apply will send it. */
  renderFile: string;
  /** False when the head renders no object: kubectl refuses a file with none. */
  renderHasObjects: boolean;
  /** Identities of the objects the plan deletes, as a manifest; absent when it deletes none. */
  deletionsFile?: string;
  /** The same target as apply. */
  target: KubectlTarget;
  cwd: string;
}

const identity = (s: string) => s;

/**
 * The objects in the cluster now (`kubectl get`) against the objects as the API server would store
 * them after this plan's apply (`kubectl apply --server-side --dry-run=server`), both read back as
 * YAML and diffed like renders, so Secrets are hashed as everywhere else. Objects the plan deletes
 * are read live too and show as deletions, as apply will delete them.
 */
export async function kustomizeLiveDiff(i: KustomizeLiveDiffInput, exec: Exec): Promise<LiveDiff> {
  const timeoutMs = liveDiffTimeout(i.timeoutMs);
  const found: string[] = [];
  const fail = (reason: string) => liveDiffFailure(reason, i.redact, found, i.knownSecrets);
  // Both outputs hold Secrets in clear: captured raw, parsed and hashed before anything shows them.
  const opts = { cwd: i.cwd, env: i.env, timeoutMs, redact: identity };
  const defaultNamespace = i.target.namespace ?? "default";

  const liveFiles = [...(i.renderHasObjects ? [i.renderFile] : []), ...(i.deletionsFile ? [i.deletionsFile] : [])];
  let liveText = "";
  if (liveFiles.length > 0) {
    const live = await tryExec(() => exec(i.bin, kubectlGetLiveArgv(liveFiles, i.target), opts));
    if (typeof live === "string") return fail(live);
    if (live.exitCode !== 0) return fail(execFailureLine("kubectl get", live, timeoutMs));
    liveText = live.stdout;
  }
  // Parsed now, so a dry run that fails by echoing a live Secret value is redacted with it.
  const before = parseManifests(liveText, defaultNamespace, i.hashing);
  found.push(...before.secretValues);
  let headText = "";
  if (i.renderHasObjects) {
    const dry = await tryExec(() => exec(i.bin, kubectlDryRunApplyArgv(i.renderFile, i.target), opts));
    if (typeof dry === "string") return fail(dry);
    if (dry.exitCode !== 0) return fail(execFailureLine("kubectl apply --dry-run=server", dry, timeoutMs));
    headText = dry.stdout;
  }

  const after = parseManifests(headText, defaultNamespace, i.hashing);
  found.push(...after.secretValues);
  const problem = before.errors.map((e) => `kubectl get: ${e}`).concat(after.errors.map((e) => `dry run: ${e}`))[0];
  if (problem) return fail(`kubectl printed no valid objects: ${problem}`);
  stripServerFields(before.objects);
  stripServerFields(after.objects);
  return {
    ok: true,
    diff: diffObjects(before.objects, after.objects, { ignore: i.ignore }),
    compared:
      "Compared: the objects in the cluster now (kubectl get) with a server-side dry run of this plan's apply (kubectl apply --server-side --dry-run=server). Status and server bookkeeping fields are left out.",
    notes: [],
    secretValues: found,
  };
}
