import { compareLive } from "../k8s/compare-live.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import type { LiveDiff, LiveDiffCommon } from "../k8s/live-diff.js";
import type { Exec } from "../runner.js";
import { kubectlDryRunApplyArgv, kubectlGetLiveArgv } from "./kustomize-argv.js";
import type { KubectlPass } from "./namespace-split.js";

export interface KustomizeLiveDiffInput extends LiveDiffCommon {
  /** The saved plan's render, as apply will send it (namespace-split.ts); none when it holds no object (kubectl refuses a file with none). */
  render: readonly KubectlPass[];
  /** Identities of the objects the plan deletes, as apply will delete them; none when it deletes none. */
  deletions: readonly KubectlPass[];
  /** Namespace of objects that name none: the plan's. */
  namespace: string;
  cwd: string;
}

/**
 * The objects in the cluster now (`kubectl get`) against the objects as the API server would store
 * them after this plan's apply (`kubectl apply --server-side --dry-run=server`), both read back as
 * YAML and diffed like renders, so Secrets are hashed as everywhere else. Objects the plan deletes
 * are read live too and show as deletions, as apply will delete them. Each side is read with the
 * calls apply makes (objects naming no namespace with `--namespace`, the others without).
 */
export function kustomizeLiveDiff(i: KustomizeLiveDiffInput, exec: Exec): Promise<LiveDiff> {
  const all = [...i.render, ...i.deletions];
  // One `get` per target: the files that name no namespace together, those that name theirs together.
  const gets = [all.filter((p) => p.target.namespace !== undefined), all.filter((p) => p.target.namespace === undefined)].filter(
    (group) => group.length > 0,
  );
  return compareLive(i, exec, {
    cwd: i.cwd,
    namespace: i.namespace,
    async live(run, timeoutMs) {
      const texts: string[] = [];
      for (const group of gets) {
        const live = await run(
          kubectlGetLiveArgv(
            group.map((p) => p.file),
            (group[0] as KubectlPass).target,
          ),
        );
        if (typeof live === "string") return { reason: live };
        if (live.exitCode !== 0) return { reason: execFailureLine("kubectl get", live, timeoutMs) };
        texts.push(live.stdout);
      }
      return { text: texts.join("\n---\n") };
    },
    async head(run, timeoutMs) {
      const texts: string[] = [];
      for (const pass of i.render) {
        const dry = await run(kubectlDryRunApplyArgv(pass.file, pass.target));
        if (typeof dry === "string") return { reason: dry };
        if (dry.exitCode !== 0) return { reason: execFailureLine("kubectl apply --dry-run=server", dry, timeoutMs) };
        texts.push(dry.stdout);
      }
      return { text: texts.join("\n---\n") };
    },
    names: { live: "kubectl get", head: "dry run", invalid: "kubectl printed no valid objects" },
    compared:
      "Compared: the objects in the cluster now (kubectl get) with a server-side dry run of this plan's apply (kubectl apply --server-side --dry-run=server). Status and server bookkeeping fields are left out.",
  });
}
