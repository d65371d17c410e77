import type { Project } from "../../src/model/project.js";
import { differingPaths } from "../k8s/differing-paths.js";
import { type ConcretePath, removeAt } from "../k8s/ignore-paths.js";
import { type K8sObject, objectKey } from "../k8s/k8s-object.js";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { howItEnded } from "../how-it-ended.js";
import { diffObjects } from "../k8s/diff-objects.js";
import { k8sApplyOutcome, readSavedPlan } from "../k8s/k8s-apply-outcome.js";
import { NO_KUBECONFIG } from "../k8s/k8s-plan-request.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { changeRunOptions } from "../change-run-options.js";
import { chartAt, writeSecretSet } from "./chart-location.js";
import { readDestroyPlan } from "../k8s/destroy-plan.js";
import { decodeDeletions } from "../k8s/deletion-header.js";
import { HELM_DEFAULT_IGNORES } from "../k8s/ignore-differences.js";
import { clusterKindsOf, ownNamespace, previewOfProject } from "../k8s/own-namespace.js";
import { teardownPreview } from "../k8s/teardown-preview.js";
import { helmEnv, helmUninstallArgv, helmUpgradeArgv } from "./helm-argv.js";
import { namespaceEscapes } from "../k8s/preview-namespace.js";
import {
  dryRunUpgrade,
  type PlannedRender,
  releaseManifestNow,
  upgradeDeletesUnplanned,
  upgradeRendersOtherwise,
} from "./upgrade-render.js";
import { releaseDisagrees } from "./release-read-back.js";
import { resolveHelmSettings } from "./helm-settings.js";
import { chartInput, type RenderChartInput, renderChart } from "./render-chart.js";

/**
 * `helm upgrade --install --atomic --wait` of the head chart. helm cannot apply a saved render, so
 * the chart is rendered again first and compared with the saved plan (ignore rules applied): if it
 * renders differently, nothing is applied and the user is asked to plan again; then the upgrade's
 * own server-side dry run must render what was planned too (upgrade-render.ts). Not run here
 * against a real cluster (none on the build machines): the helm stand-in plays it in tests.
 */
export async function applyHelm(bins: { helm: string; kubectl: string }, req: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
  const bin = bins.helm;
  const project = req.project as Project;
  const s = resolveHelmSettings(project);
  const secretSet = req.secretSet ?? {};
  const outcome = k8sApplyOutcome(Object.values(secretSet));
  const fail = outcome.fail;
  if (!req.kubeconfig) return fail(NO_KUBECONFIG);
  const savedText = await readSavedPlan(req.planFile);
  if (!savedText.ok) return fail(savedText.message);
  if (readDestroyPlan(savedText.text)) {
    return teardownPreview({ project, kubeconfig: req.kubeconfig, kubectl: bins.kubectl, req, outcome }, exec, () =>
      exec(
        bin,
        helmUninstallArgv(s.release, s.namespace, req.kubeconfig as string),
        changeRunOptions(req, {
          cwd: req.dataDir,
          env: { ...req.env, ...helmEnv(req.dataDir) },
          redact: req.redactWith(outcome.sensitiveValues),
        }),
      ).then((r) => ({ ...r, step: "helm uninstall" })),
    );
  }
  const chart = await chartAt(req.checkoutDir, project.dir, s.values, false);
  if (!chart) return fail(`\`${project.dir}\` has no Chart.yaml`);
  if (!chart.ok) return fail(chart.message);

  const hashing = { key: randomBytes(32).toString("hex") };
  const saved = parseManifests(savedText.text, s.namespace, hashing);
  outcome.sensitiveValues = [...outcome.sensitiveValues, ...saved.secretValues];
  const redact = req.redactWith(outcome.sensitiveValues);

  const secretDir = await mkdtemp(join(req.dataDir, "secret-set-"));
  const helmHome = await mkdtemp(join(req.dataDir, "helm-home-"));
  try {
    const common = {
      bin,
      chart,
      release: s.release,
      namespace: s.namespace,
      apiVersions: s.apiVersions,
      kubeVersion: s.kubeVersion,
      set: s.set,
      setJson: req.inputs?.values,
      setFiles: await writeSecretSet(secretDir, secretSet),
      env: { ...req.env, ...helmEnv(helmHome) },
      projectDir: project.dir,
      repositories: req.helmRepositories ?? [],
      helmConfigHome: `${helmHome}/helm/config`,
      timeoutMs: req.timeoutMs,
      redact,
      onOutput: req.onOutput,
    };
    const checked = await upgradeAsPlanned(bins, req, exec, {
      common,
      s,
      project,
      kubeconfig: req.kubeconfig,
      saved,
      savedText: savedText.text,
      hashing,
      outcome,
    });
    if (!checked.ok) return checked.refused;
    // Stopped gently over a limit, helm cancels the upgrade it is waiting on ("has been cancelled"):
    // the release is marked failed and `--atomic` rolls it back, where SIGKILL would leave it
    // `pending-upgrade`, refusing every later upgrade until someone clears it by hand.
    const r = await exec(
      bin,
      helmUpgradeArgv({ ...chartInput(common), kubeconfig: req.kubeconfig }),
      changeRunOptions(req, { cwd: chart.dir, env: common.env, redact: req.redactWith(outcome.sensitiveValues) }),
    );
    if (r.exitCode !== 0) return fail(howItEnded("helm upgrade", r, req.timeoutMs), r.stdout);
    // Applied once the release, read back from the cluster, holds what was planned: helm's exit
    // code says what helm did, not what the cluster keeps (a rollback or another upgrade since).
    const back = await releaseManifestNow(common, req, exec);
    const unconfirmed = back.ok ? releaseDisagrees(back.text, checked.planned) : `the release could not be read back (${back.ended})`;
    if (unconfirmed === undefined) return outcome.done(r.stdout);
    return fail(
      `helm upgrade exited 0, but ${unconfirmed}: not reported applied; \`helm history ${s.release} --namespace ${s.namespace}\` shows what the release went through`,
      r.stdout,
    );
  } finally {
    await rm(secretDir, { recursive: true, force: true });
    await rm(helmHome, { recursive: true, force: true });
  }
}

/**
 * Why the upgrade is not run (a failed outcome), or what was planned as the read-back compares
 * it, when the upgrade applies what was planned:
 * the chart renders now what the plan saved (fields regenerated on every render aside), a
 * preview's namespace is its own, and the upgrade's own server-side dry run creates what the plan
 * showed, deletes nothing the plan did not, and keeps a preview inside its namespace.
 */
async function upgradeAsPlanned(
  bins: { helm: string; kubectl: string },
  req: ApplyRequest,
  exec: Exec,
  p: {
    common: Omit<RenderChartInput, "side">;
    s: ReturnType<typeof resolveHelmSettings>;
    project: Project;
    /** The apply's kubeconfig (applyHelm refused the apply without one). */
    kubeconfig: string;
    saved: ReturnType<typeof parseManifests>;
    savedText: string;
    hashing: { key: string };
    outcome: ReturnType<typeof k8sApplyOutcome>;
  },
): Promise<{ ok: true; planned: PlannedRender } | { ok: false; refused: ApplyOutcome }> {
  const { common, s, saved, hashing, outcome } = p;
  const refuse = (message: string, output?: string) => ({ ok: false as const, refused: outcome.fail(message, output) });
  const bin = bins.helm;
  const now = await renderChart({ ...common, side: "head" }, exec);
  if (!now.ok) return refuse(now.message, now.output);
  const current = parseManifests(now.yaml, s.namespace, hashing);
  outcome.sensitiveValues = [...new Set([...outcome.sensitiveValues, ...current.secretValues])];
  // Fields regenerated on every render (a generated certificate) differ from the plan's by nature.
  const again = await renderChart({ ...common, side: "head" }, exec);
  const regenerated = again.ok
    ? dropRegeneratedFields(current.objects, parseManifests(again.yaml, s.namespace, hashing).objects, saved.objects)
    : new Map<string, ConcretePath[]>();
  const drift = diffObjects(saved.objects, current.objects, { ignore: s.ignore }).changes;
  if (drift.length > 0 || current.errors.length > 0) {
    const which = drift.map((c) => `${c.action} ${c.address}`).join(", ");
    return refuse(`the chart no longer renders what was planned (${which || "unreadable output"}); run /plan again`);
  }
  const preview = previewOfProject(p.project);
  if (preview) {
    // A preview's namespace is created labelled as one (helm's --create-namespace would not), or must be so already.
    const own = await ownNamespace(preview, { kubeconfig: p.kubeconfig, kubectl: bins.kubectl, req, redact: common.redact }, exec, true);
    if (!own.ok) return refuse(own.message, own.output);
    if (own.owner.kind === "foreign") return refuse(own.owner.message);
  }
  // What the upgrade itself renders can differ from `helm template` (`.Release.IsUpgrade`,
  // `lookup` against the cluster): the server-side dry run of this very upgrade must create
  // what the plan showed, and a preview's must stay inside its namespace.
  // Both only read the cluster: side by side, each checked in turn.
  const [dry, live] = await Promise.all([dryRunUpgrade(bin, common, req, exec), releaseManifestNow(common, req, exec)]);
  if (!dry.ok) return refuse(dry.message);
  // Secrets the upgrade renders from the cluster (`lookup` of an existing password) are redacted too.
  const fromCluster = parseManifests(dry.text, s.namespace, hashing).secretValues;
  outcome.sensitiveValues = [...new Set([...outcome.sensitiveValues, ...fromCluster])];
  // Only the server's ignore rules: the project's own are the pull request's config, which hide
  // differences from the plan's text, never from what is checked before anything is applied.
  const planned = { saved: saved.objects, regenerated, namespace: s.namespace, hashing, ignore: HELM_DEFAULT_IGNORES };
  const otherwise = upgradeRendersOtherwise(dry.text, planned);
  if (otherwise !== undefined) return refuse(otherwise);
  if (!live.ok) return refuse(`${live.ended}: what the upgrade would delete is unknown, so nothing was applied`);
  const lost = upgradeDeletesUnplanned(live.text, dry.text, decodeDeletions(p.savedText), s.namespace);
  if (lost !== undefined) return refuse(lost);
  if (preview) {
    const inside = await upgradeStaysInside(bins.kubectl, dry.text, common, req, preview.namespace, exec);
    if (inside !== undefined) return refuse(inside);
  }
  return { ok: true, planned };
}

/**
 * Why the upgrade would write outside the preview's namespace (its manifest and hooks, as the API
 * server validates them without persisting), or undefined when it stays inside.
 */
async function upgradeStaysInside(
  kubectl: string,
  dryText: string,
  common: Omit<RenderChartInput, "side">,
  req: ApplyRequest,
  namespace: string,
  exec: Exec,
): Promise<string | undefined> {
  const kinds = await clusterKindsOf({ kubeconfig: req.kubeconfig as string, kubectl, req, redact: common.redact }, exec);
  if (!kinds.ok) return `${kinds.message}: which kinds are cluster-wide is unknown, so nothing was applied`;
  const escapes = namespaceEscapes(parseManifests(dryText, namespace).objects, namespace, kinds.kinds);
  return escapes ? `the upgrade itself would render differently from the plan: ${escapes}` : undefined;
}

/**
 * Removes from `a` and `others` every field that differs between two renders `a` and `b` of the
 * same input; returns those fields by object key.
 */
function dropRegeneratedFields(a: K8sObject[], b: readonly K8sObject[], others: readonly K8sObject[]): Map<string, ConcretePath[]> {
  const paths = differingPaths(a, b, { secretValues: true });
  const byKey = new Map(others.map((o) => [objectKey(o), o]));
  for (const o of a) {
    for (const path of paths.get(objectKey(o)) ?? []) {
      if (path.length === 0) continue;
      removeAt(o.body, path);
      const twin = byKey.get(objectKey(o));
      if (twin) removeAt(twin.body, path);
    }
  }
  return paths;
}
