import { compareLive } from "../k8s/compare-live.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import type { LiveDiff, LiveDiffCommon } from "../k8s/live-diff.js";
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

/**
 * The objects in the cluster now (`kubectl get`) against the objects as the API server would store
 * them after this plan's apply (`kubectl apply --server-side --dry-run=server`), both read back as
 * YAML and diffed like renders, so Secrets are hashed as everywhere else. Objects the plan deletes
 * are read live too and show as deletions, as apply will delete them.
 */
export function kustomizeLiveDiff(i: KustomizeLiveDiffInput, exec: Exec): Promise<LiveDiff> {
  const liveFiles = [...(i.renderHasObjects ? [i.renderFile] : []), ...(i.deletionsFile ? [i.deletionsFile] : [])];
  return compareLive(i, exec, {
    cwd: i.cwd,
    namespace: i.target.namespace,
    async live(run, timeoutMs) {
      if (liveFiles.length === 0) return { text: "" };
      const live = await run(kubectlGetLiveArgv(liveFiles, i.target));
      if (typeof live === "string") return { reason: live };
      if (live.exitCode !== 0) return { reason: execFailureLine("kubectl get", live, timeoutMs) };
      return { text: live.stdout };
    },
    async head(run, timeoutMs) {
      if (!i.renderHasObjects) return { text: "" };
      const dry = await run(kubectlDryRunApplyArgv(i.renderFile, i.target));
      if (typeof dry === "string") return { reason: dry };
      if (dry.exitCode !== 0) return { reason: execFailureLine("kubectl apply --dry-run=server", dry, timeoutMs) };
      return { text: dry.stdout };
    },
    names: { live: "kubectl get", head: "dry run", invalid: "kubectl printed no valid objects" },
    compared:
      "Compared: the objects in the cluster now (kubectl get) with a server-side dry run of this plan's apply (kubectl apply --server-side --dry-run=server). Status and server bookkeeping fields are left out.",
  });
}
