import { diffObjects } from "../k8s/diff-objects.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import { type LiveDiff, type LiveDiffCommon, liveDiffFailure, liveDiffTimeout, tryExec } from "../k8s/live-diff.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { stripServerFields } from "../k8s/strip-server-fields.js";
import type { Exec } from "../runner.js";
import type { ChartLocation } from "./chart-location.js";
import { helmDiffDryRunArgv, helmGetManifestArgv } from "./helm-argv.js";
import { releaseManifest } from "./release-manifest.js";

export interface HelmLiveDiffInput extends LiveDiffCommon {
  /** The head chart, as rendered for the plan. */
  chart: ChartLocation;
  release: string;
  namespace: string;
  set: Record<string, string | number | boolean>;
  /** Secret values as files (see writeSecretSet); they must exist until this returns. */
  setFiles: Record<string, string>;
  kubeconfig: string;
}

const identity = (s: string) => s;

/**
 * The release as helm last deployed it (`helm get manifest`) against what an upgrade to the head
 * would deploy, rendered and validated by the API server (`helm upgrade --install
 * --dry-run=server`). Both are helm's manifests, not the objects read back: a field someone
 * edited in the cluster by hand does not show here. Hooks are in neither.
 */
export async function helmLiveDiff(i: HelmLiveDiffInput, exec: Exec): Promise<LiveDiff> {
  const timeoutMs = liveDiffTimeout(i.timeoutMs);
  const found: string[] = [];
  const fail = (reason: string) => liveDiffFailure(reason, i.redact, found, i.knownSecrets);
  // Both outputs hold Secrets in clear: captured raw, parsed and hashed before anything shows them.
  const opts = { cwd: i.chart.dir, env: i.env, timeoutMs, redact: identity };
  const notes: string[] = [];

  const live = await tryExec(() => exec(i.bin, helmGetManifestArgv(i.release, i.namespace, i.kubeconfig), opts));
  if (typeof live === "string") return fail(live);
  let liveText = live.stdout;
  if (live.exitCode !== 0) {
    if (!/\brelease: not found\b/.test(live.stderr)) return fail(execFailureLine("helm get manifest", live, timeoutMs));
    liveText = "";
    notes.push(`release \`${i.release}\` is not installed in namespace \`${i.namespace}\`: every object is new`);
  }
  // Parsed now, so a dry run that fails by echoing a live Secret value is redacted with it.
  const before = parseManifests(liveText, i.namespace, i.hashing);
  found.push(...before.secretValues);

  const argv = helmDiffDryRunArgv({
    release: i.release,
    namespace: i.namespace,
    values: i.chart.values,
    set: i.set,
    setFiles: i.setFiles,
    chartDir: i.chart.dir,
    kubeconfig: i.kubeconfig,
  });
  const dry = await tryExec(() => exec(i.bin, argv, opts));
  if (typeof dry === "string") return fail(dry);
  if (dry.exitCode !== 0) return fail(execFailureLine("helm upgrade --dry-run=server", dry, timeoutMs));
  const headText = releaseManifest(dry.stdout);
  if (headText === undefined) return fail("helm upgrade --dry-run=server did not print a release as JSON");

  const after = parseManifests(headText, i.namespace, i.hashing);
  found.push(...after.secretValues);
  const problem = before.errors.map((e) => `live release: ${e}`).concat(after.errors.map((e) => `dry run: ${e}`))[0];
  if (problem) return fail(`helm's manifest is not a valid manifest stream: ${problem}`);
  // Rendered manifests rarely carry server fields, but a chart may template `status` or copy a
  // last-applied annotation (a Secret in clear): the same rule as for objects read back.
  stripServerFields(before.objects);
  stripServerFields(after.objects);
  return {
    ok: true,
    diff: diffObjects(before.objects, after.objects, { ignore: i.ignore }),
    compared: `Compared: release \`${i.release}\` as deployed (helm get manifest) with a server-side dry run of upgrading it to this head (helm upgrade --install --dry-run=server). Hooks, and edits made in the cluster outside helm, are not compared.`,
    notes,
    secretValues: found,
  };
}
