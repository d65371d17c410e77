import { howItEnded } from "../how-it-ended.js";
import { diffObjects } from "../k8s/diff-objects.js";
import { execFailureLine } from "../k8s/exec-failure-line.js";
import type { SecretHashing } from "../k8s/hash-secret-values.js";
import type { IgnoreRule } from "../k8s/ignore-differences.js";
import { type ConcretePath, removeAt } from "../k8s/ignore-paths.js";
import type { PlannedDeletion } from "../k8s/deletion-header.js";
import { annotation, type K8sObject, objectAddress, objectKey } from "../k8s/k8s-object.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import type { ApplyRequest, Exec } from "../runner.js";
import { helmDiffDryRunArgv, helmGetManifestArgv } from "./helm-argv.js";
import { releaseObjectsText } from "./release-manifest.js";
import { chartInput, type RenderChartInput } from "./render-chart.js";

/**
 * Every object the upgrade itself would create (its manifest and its hooks), as helm renders it
 * against the cluster and the API server validates it, persisting nothing. The output holds
 * Secrets in clear: parsed by the caller, never shown.
 */
export async function dryRunUpgrade(
  bin: string,
  common: Omit<RenderChartInput, "side">,
  req: Pick<ApplyRequest, "kubeconfig" | "timeoutMs">,
  exec: Exec,
): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  const dry = await exec(bin, helmDiffDryRunArgv({ ...chartInput(common), kubeconfig: req.kubeconfig as string }), {
    cwd: common.chart.dir,
    env: common.env,
    timeoutMs: req.timeoutMs,
    redact: (s) => s,
  });
  if (dry.exitCode !== 0) {
    return { ok: false, message: `${howItEnded("helm upgrade --dry-run=server", dry, req.timeoutMs)}: nothing was applied` };
  }
  const text = releaseObjectsText(dry.stdout);
  if (text === undefined)
    return { ok: false, message: "helm upgrade --dry-run=server did not print a release as JSON: nothing was applied" };
  return { ok: true, text };
}

/** The release's manifest as helm last deployed it; "" when there is no release yet. */
export async function releaseManifestNow(
  common: Omit<RenderChartInput, "side">,
  req: Pick<ApplyRequest, "kubeconfig" | "timeoutMs">,
  exec: Exec,
): Promise<{ ok: true; text: string } | { ok: false; ended: string }> {
  const argv = helmGetManifestArgv(common.release, common.namespace, req.kubeconfig as string);
  const got = await exec(common.bin, argv, { cwd: common.chart.dir, env: common.env, timeoutMs: req.timeoutMs, redact: (s) => s });
  if (got.exitCode === 0) return { ok: true, text: got.stdout };
  if (/\brelease: not found\b/.test(got.stderr)) return { ok: true, text: "" };
  // helm's reason (the cluster unreachable, access refused), redacted as the run's output is.
  return { ok: false, ended: common.redact(execFailureLine("helm get manifest", got, req.timeoutMs)) };
}

export interface PlannedRender {
  /** The saved plan's objects (a `helm template` render), regenerated fields already removed. */
  saved: readonly K8sObject[];
  /** Fields that differ between two renders of the same input, by object key. */
  regenerated: ReadonlyMap<string, ConcretePath[]>;
  namespace: string;
  hashing: SecretHashing;
  /**
   * The server's ignore rules only (helm's chart-version labels): the project's `ignore` and
   * `ignore_differences` are set by the pull request's config, and would let it hide what only
   * the upgrade renders (an image gated on `.Release.IsUpgrade`) from this check.
   */
  ignore: readonly IgnoreRule[];
}

/**
 * Why the upgrade would create something other than the plan showed, or undefined. The plan and
 * the gate read `helm template`, which knows no release and no cluster: `.Release.IsUpgrade` is
 * false there, `lookup` finds nothing and the capabilities are helm's defaults, so a template
 * gated on any of them renders only in the upgrade. Compared with the server's ignore rules and
 * fields regenerated on every render left out. CRDs (`crds/`, installed by
 * helm only on a first install and never changed after) are not in an upgrade's manifest, and
 * hooks only `helm test` runs are not applied by it, so neither side counts them.
 */
export function upgradeRendersOtherwise(dryText: string, planned: PlannedRender): string | undefined {
  const dry = parseManifests(dryText, planned.namespace, planned.hashing);
  if (dry.errors.length > 0) return "helm upgrade --dry-run=server printed a manifest Sluice cannot read: nothing was applied";
  const upgrade = dry.objects.filter((o) => !isTestHook(o));
  dropRegenerated(upgrade, planned.regenerated);
  const saved = planned.saved.filter(inUpgrades);
  const changes = diffObjects(saved, upgrade, { ignore: planned.ignore }).changes;
  if (changes.length === 0) return undefined;
  // An object only the upgrade renders is named by its kind alone: its name and namespace may be
  // made of what `lookup` read with the apply's credentials (a Secret's value), never shown.
  const kinds = new Map(upgrade.map((o) => [objectKey(o), o.kind]));
  const which = changes
    .map((c) => (c.action === "create" ? `create a ${kinds.get(c.key)} the plan does not have` : `${c.action} ${c.address}`))
    .join(", ");
  return `the upgrade renders differently from the plan against the cluster (${which}): a template reads what \`helm template\` cannot know (\`lookup\`, \`.Release.IsUpgrade\`, \`.Release.Revision\`, the cluster's capabilities; set \`api_versions\` and \`kube_version\` for those), so nothing was applied`;
}

/** A chart's (or subchart's) own `crds/` dir in helm's `# Source:` line; `templates/crds/` is templates. */
const CRDS_DIR = /^[^/]+(\/charts\/[^/]+)*\/crds\//;

/** Not a CRD of a chart's `crds/` dir: helm installs those on a first install only, never in an upgrade's manifest. */
export const inUpgrades = (o: K8sObject): boolean => !CRDS_DIR.test(o.source ?? "");

/** Removes from each of `objects` the fields regenerated on every render (PlannedRender's `regenerated`). */
export function dropRegenerated(objects: readonly K8sObject[], regenerated: PlannedRender["regenerated"]): void {
  for (const o of objects) for (const path of regenerated.get(objectKey(o)) ?? []) if (path.length > 0) removeAt(o.body, path);
}

/**
 * A hook only `helm test` runs: every event it names is `test` (or Helm 2's `test-success`).
 * `helm template --skip-tests` leaves out a hook naming `test` among others too, but the upgrade
 * runs such a hook at its other events (`test,post-upgrade`): it is compared, so an object the plan
 * never showed is not created by the upgrade.
 */
function isTestHook(o: K8sObject): boolean {
  const hook = hookAnnotation(o);
  if (hook === undefined) return false;
  return hook.split(",").every((h) => TEST_EVENTS.has(h.trim().toLowerCase()));
}

/**
 * The `helm.sh/hook` annotation of an object helm takes for a hook, or undefined. helm reads hooks
 * by document: a List's items are deployed as ordinary objects, whatever their annotations say.
 */
export function hookAnnotation(o: K8sObject): string | undefined {
  return o.listItem === true ? undefined : annotation(o, "helm.sh/hook");
}

const TEST_EVENTS = new Set(["test", "test-success"]);

/** Whether helm's upgrade leaves the object in the cluster when the release drops it (its exact `keep`). */
const marksKeep = (o: K8sObject): boolean => annotation(o, "helm.sh/resource-policy") === "keep";

/**
 * Why the upgrade would delete what the plan did not show deleted, or undefined. helm deletes
 * every object of the release's last manifest (`helm get manifest`) that the new one lacks; the
 * plan compared the base branch's render with the head's, so an object the release holds and the
 * base branch never rendered (applied from a pull request later closed, a manual upgrade) would
 * go unseen by reviewers and by `protect`. `live` is the release's manifest ("" when there is no
 * release); `planned` the plan file's deletions.
 */
export function upgradeDeletesUnplanned(
  live: string,
  dryText: string,
  plannedDeletes: readonly PlannedDeletion[],
  namespace: string,
): string | undefined {
  const kept = new Set(parseManifests(dryText, namespace).objects.map(objectKey));
  const planned = new Set(plannedDeletes.map(objectKey));
  const forgotten = new Set(plannedDeletes.filter((d) => d.forget).map(objectKey));
  const dropped = parseManifests(live, namespace).objects.filter((o) => !kept.has(objectKey(o)));
  // Counted forgotten because the base's render marks it keep, while the release deployed lacks
  // the mark (the pull request's own `set` rendered the base, another pull request's apply): helm
  // deletes it, and neither reviewers nor `protect` saw a deletion.
  const unkept = dropped.filter((o) => forgotten.has(objectKey(o)) && !marksKeep(o));
  if (unkept.length > 0) {
    const which = unkept.map((o) => `\`${objectAddress(o)}\``).join(", ");
    return `the upgrade would delete ${which}, which the plan counted forgotten (its base render marks it \`helm.sh/resource-policy: keep\`) while the release in the cluster does not mark it so (the release was deployed from something the base render is not: the pull request's own values, an apply of another pull request), so nothing was applied; to delete it, plan it as deleted (a base render without the mark), or deploy the mark first`;
  }
  const lost = dropped.filter((o) => !planned.has(objectKey(o)));
  if (lost.length === 0) return undefined;
  const which = lost.map((o) => `\`${objectAddress(o)}\``).join(", ");
  return `the upgrade would delete ${which}, which the release in the cluster holds and the plan did not show deleted (the release was deployed from something the base branch does not render: an apply of another pull request, a manual helm upgrade), so nothing was applied; to keep it, put it back in the chart; to delete it, put it back on the base branch and remove it in a pull request of its own, whose plan then shows the deletion`;
}
