import { compareLive, type LiveSide, type RunTool } from "../k8s/compare-live.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import type { LiveDiff, LiveDiffCommon } from "../k8s/live-diff.js";
import type { Exec } from "../runner.js";
import { helmDiffDryRunArgv, helmGetManifestArgv } from "./helm-argv.js";
import { releaseManifest } from "./release-manifest.js";
import { chartInput, type RenderChartInput } from "./render-chart.js";

/** The head chart as rendered for the plan; the secret-set files must exist until this returns. */
export interface HelmLiveDiffInput
  extends LiveDiffCommon,
    Pick<RenderChartInput, "chart" | "release" | "namespace" | "set" | "setJson" | "setFiles"> {
  kubeconfig: string;
  /** The secret set's files with random placeholders (the plan's canary), when it has secrets. */
  canarySetFiles?: Record<string, string>;
}

/**
 * The release as helm last deployed it (`helm get manifest`) against what an upgrade to the head
 * would deploy, rendered and validated by the API server (`helm upgrade --install
 * --dry-run=server`). Both are helm's manifests, not the objects read back: a field someone
 * edited in the cluster by hand does not show here. Hooks are in neither.
 */
export function helmLiveDiff(i: HelmLiveDiffInput, exec: Exec): Promise<LiveDiff> {
  const dryRun = async (run: RunTool, timeoutMs: number, setFiles = i.setFiles): Promise<LiveSide> => {
    const dry = await run(helmDiffDryRunArgv({ ...chartInput({ ...i, setFiles }), kubeconfig: i.kubeconfig }));
    if (typeof dry === "string") return { reason: dry };
    if (dry.exitCode !== 0) return { reason: execFailureLine("helm upgrade --dry-run=server", dry, timeoutMs) };
    const text = releaseManifest(dry.stdout);
    return text === undefined ? { reason: "helm upgrade --dry-run=server did not print a release as JSON" } : { text };
  };
  const canary = i.canarySetFiles;
  return compareLive(i, exec, {
    cwd: i.chart.dir,
    namespace: i.namespace,
    async live(run, timeoutMs) {
      const live = await run(helmGetManifestArgv(i.release, i.namespace, i.kubeconfig));
      if (typeof live === "string") return { reason: live };
      if (live.exitCode === 0) return { text: live.stdout };
      if (!/\brelease: not found\b/.test(live.stderr)) return { reason: execFailureLine("helm get manifest", live, timeoutMs) };
      return { text: "", note: `release \`${i.release}\` is not installed in namespace \`${i.namespace}\`: every object is new` };
    },
    head: (run, timeoutMs) => dryRun(run, timeoutMs),
    ...(canary && Object.keys(canary).length > 0
      ? { canaryHead: (run: RunTool, timeoutMs: number) => dryRun(run, timeoutMs, canary) }
      : {}),
    names: { live: "live release", head: "dry run", invalid: "helm's manifest is not a valid manifest stream" },
    compared: `Compared: release \`${i.release}\` as deployed (helm get manifest) with a server-side dry run of upgrading it to this head (helm upgrade --install --dry-run=server). Hooks, and edits made in the cluster outside helm, are not compared.`,
  });
}
