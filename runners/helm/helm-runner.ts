import type { Project } from "../../src/model/project.js";
import { planFailure } from "../plan-failure.js";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeDeletions } from "../k8s/deletion-header.js";
import { saveDestroyPlan } from "../k8s/save-destroy-plan.js";
import { HELM_DEFAULT_IGNORES } from "../k8s/ignore-differences.js";
import { invalidIgnorePath } from "../k8s/ignore-paths.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { namespaceEscapes } from "../k8s/preview-namespace.js";
import type { K8sRunner } from "../k8s/k8s-plan-request.js";
import { RENDERED_FILE } from "../k8s/plan-files.js";
import { planFromRenders } from "../k8s/plan-from-renders.js";
import { k8sPlanDone } from "../k8s/k8s-plan-done.js";
import type { ApplyRequest, Exec, PlanOutcome, PlanRequest } from "../runner.js";
import { canarySecretSet } from "./canary-secrets.js";
import { type ChartLocation, chartAt, writeSecretSet } from "./chart-location.js";
import { failureWithoutSecrets } from "./failure-without-secrets.js";
import { helmEnv } from "./helm-argv.js";
import { applyHelm } from "./helm-apply.js";
import { helmBinary, kubectlBinary } from "./helm-binary.js";
import { helmLiveDiff } from "./helm-live-diff.js";
import { resolveHelmSettings } from "./helm-settings.js";
import { type RenderChartInput, type RenderChartResult, renderChart } from "./render-chart.js";

export interface HelmRunnerSettings {
  /** Default: `.tools/bin/helm` when present, else `helm` on PATH. */
  helmBinary?: string;
  /** Deletes a preview's namespace after its release is uninstalled. */
  kubectlBinary?: string;
}

/**
 * Plans a helm chart by rendering it at base and at head (`helm template`, no cluster) and diffing
 * the objects; with a kubeconfig, a live diff against the release in the cluster follows
 * (helm-live-diff.ts). Apply (helm-apply.ts) runs `helm upgrade --install` against the repo's kubeconfig.
 */
export function createHelmRunner(settings: HelmRunnerSettings = {}): K8sRunner {
  const bin = helmBinary(settings.helmBinary);
  const kubectl = kubectlBinary(settings.kubectlBinary);
  return {
    kind: "helm",
    needsBase: true,
    plan: (req: PlanRequest, exec: Exec) => planHelm(bin, req, exec),
    apply: (req: ApplyRequest, exec: Exec) => applyHelm({ helm: bin, kubectl }, req, exec),
  };
}

async function planHelm(bin: string, req: PlanRequest, exec: Exec): Promise<PlanOutcome> {
  const started = performance.now();
  const fail = planFailed(started);
  const project = req.project as Project;
  const s = resolveHelmSettings(project);
  if (req.extraArgs.length > 0) {
    const message = "helm projects take no extra arguments; set values in the repo config (`values`, `set`)";
    return fail({ failedStep: "arguments", message });
  }
  const invalid = s.problem ?? invalidIgnorePath(s.ignore);
  if (invalid) return fail({ failedStep: "config", message: invalid });
  if (req.destroy && !project.previewNamespace) {
    return fail({ failedStep: "arguments", message: "a helm project is destroyed only as a preview (its own namespace)" });
  }
  const head = await chartAt(req.checkoutDir, project.dir, s.values, false);
  if (!head?.ok) {
    const problem = head ?? { failedStep: "checkout", message: `\`${project.dir}\` has no Chart.yaml` };
    return req.destroy ? saveDestroyPlan(req, { problem: problem.message }, s.namespace, "helm", started) : fail(problem);
  }
  const base = req.baseCheckoutDir ? await chartAt(req.baseCheckoutDir, project.dir, s.values, true) : undefined;
  if (base && !base.ok) return fail(base);

  await mkdir(req.dataDir, { recursive: true });
  const planFile = join(req.dataDir, RENDERED_FILE);
  // A failed plan must not leave an older plan file behind to be applied.
  await rm(planFile, { force: true });
  const secretDir = await mkdtemp(join(req.dataDir, "secret-set-"));
  const hasSecrets = Object.keys(req.secretSet ?? {}).length > 0;
  // A helm home of this run's own: repository lists, credentials and caches never outlive it.
  const helmHome = await mkdtemp(join(req.dataDir, "helm-home-"));
  try {
    const common = {
      bin,
      release: s.release,
      namespace: s.namespace,
      apiVersions: s.apiVersions,
      kubeVersion: s.kubeVersion,
      set: s.set,
      setJson: req.inputs?.values,
      setFiles: await writeSecretSet(secretDir, req.secretSet ?? {}),
      env: { ...req.env, ...helmEnv(helmHome) },
      projectDir: project.dir,
      repositories: req.helmRepositories ?? [],
      helmConfigHome: `${helmHome}/helm/config`,
      timeoutMs: req.timeoutMs,
      redact: req.redact,
      onOutput: req.onOutput,
    };
    // The same renders with placeholders for the secrets, for a failure whose message may hold one.
    const placeholderFiles = hasSecrets
      ? await writeSecretSet(await mkdtemp(join(secretDir, "placeholder-")), canarySecretSet(req.secretSet ?? {}))
      : {};
    const placeholder = (input: RenderChartInput) =>
      hasSecrets ? () => renderChart({ ...input, setFiles: placeholderFiles }, exec) : undefined;
    const headInput = { ...common, chart: head, side: "head" };
    const headRender = await renderChart(headInput, exec);
    const headYaml: RenderChartResult = headRender.ok ? headRender : await failureWithoutSecrets(headRender, placeholder(headInput));
    if (req.destroy) return saveDestroyPlan(req, headYaml.ok ? headYaml : { problem: headYaml.message }, s.namespace, "helm", started);
    if (!headYaml.ok) return fail(headYaml);
    const escapes = project.previewNamespace
      ? namespaceEscapes(parseManifests(headYaml.yaml, s.namespace).objects, s.namespace)
      : undefined;
    if (escapes) return fail({ failedStep: "preview namespace", message: escapes });
    // The base side takes the producers' current outputs: an output change shows as the release's change.
    const baseSetJson = req.inputs?.baseValues;
    const baseInput = base ? { ...common, setJson: baseSetJson, chart: base, side: "base" } : undefined;
    const baseYaml = baseInput ? await renderChart(baseInput, exec) : undefined;
    if (baseYaml && !baseYaml.ok) return fail(await failureWithoutSecrets(baseYaml, baseInput && placeholder(baseInput)));
    // The same input again: what differs is regenerated on every render (a generated certificate), not a change.
    const baseAgain = base ? await renderChart({ ...common, setJson: baseSetJson, chart: base, side: "base" }, exec) : undefined;
    const canary = await renderCanaries({ ...common, head, base, baseSetJson, secretSet: req.secretSet ?? {}, dir: secretDir }, exec);
    if (canary && !canary.ok) return fail(canary);

    const renders = { head: headYaml.yaml, base: baseYaml?.yaml, baseAgain: baseAgain?.ok ? baseAgain.yaml : undefined, canary };
    return await planFromHelmRenders(req, exec, { common, s, head, base, renders, planFile, started });
  } finally {
    await rm(secretDir, { recursive: true, force: true });
    await rm(helmHome, { recursive: true, force: true });
  }
}

type CanaryInput = Omit<RenderChartInput, "chart" | "side" | "setFiles"> & {
  head: ChartLocation;
  base: ChartLocation | undefined;
  secretSet: Record<string, string>;
  baseSetJson?: Record<string, unknown>;
  /** A private dir for the canary files. */
  dir: string;
};

/**
 * Both sides rendered again with every server-held secret replaced by a random canary, so the
 * plan can tell which fields derive from a secret. None when the project uses no secret.
 */
async function renderCanaries(
  i: CanaryInput,
  exec: Exec,
): Promise<
  | { ok: true; renders: { head: string; base?: string }; setFiles: Record<string, string> }
  | { ok: false; failedStep: string; message: string; output: string }
  | undefined
> {
  if (Object.keys(i.secretSet).length === 0) return undefined;
  const canaryDir = await mkdtemp(join(i.dir, "canary-"));
  const setFiles = await writeSecretSet(canaryDir, canarySecretSet(i.secretSet));
  const unsafe = (r: { ok: false; failedStep: string; message: string; output: string }) => ({
    ok: false as const,
    failedStep: r.failedStep.replace("template", "template with placeholder secrets"),
    message: `${r.message}\nSluice renders the chart a second time with a random placeholder for each server-held secret (\`secret_set\`), to find the fields derived from them; that render failed, so nothing of this plan is shown.`,
    output: r.output,
  });
  const head = await renderChart({ ...i, chart: i.head, side: "head", setFiles }, exec);
  if (!head.ok) return unsafe(head);
  if (!i.base) return { ok: true, renders: { head: head.yaml }, setFiles };
  const base = await renderChart({ ...i, setJson: i.baseSetJson, chart: i.base, side: "base", setFiles }, exec);
  if (!base.ok) return unsafe(base);
  return { ok: true, renders: { head: head.yaml, base: base.yaml }, setFiles };
}

type HelmCommon = Omit<RenderChartInput, "chart" | "side">;

/** A failed plan's outcome, timed from `started`, from a render's or a step's failure. */
const planFailed =
  (started: number) =>
  (f: { failedStep: string; message: string; output?: string }): PlanOutcome =>
    planFailure(started)(f.failedStep, f.message, f.output);

/**
 * The plan from the chart's renders: the objects' diff (keyed digests of secrets and of the fields
 * derived from them), the plan file that apply sends (what it deletes first), and with a
 * kubeconfig the live diff against the release. The secret-set files must exist until it returns.
 */
async function planFromHelmRenders(
  req: PlanRequest,
  exec: Exec,
  p: {
    common: HelmCommon;
    s: ReturnType<typeof resolveHelmSettings>;
    head: ChartLocation;
    base: ChartLocation | undefined;
    renders: { head: string; base?: string; baseAgain?: string; canary: Awaited<ReturnType<typeof renderCanaries>> };
    planFile: string;
    started: number;
  },
): Promise<PlanOutcome> {
  const { common, s, head, base, renders, planFile, started } = p;
  const canary = renders.canary?.ok ? renders.canary : undefined;
  // One key per plan: base, head and the live diff compare, and the posted markers cannot be looked up.
  const hashing = { key: randomBytes(32).toString("hex") };
  const planned = planFromRenders({
    base: renders.base,
    head: renders.head,
    defaultNamespace: s.namespace,
    ignore: s.ignore,
    trustedIgnore: HELM_DEFAULT_IGNORES,
    tool: "helm",
    hashing,
    canary: canary?.renders,
    baseAgain: renders.baseAgain,
  });
  if (!planned.ok) return planFailed(started)(planned);
  planned.summary.sensitiveValues.push(...Object.values(req.secretSet ?? {}));
  // What the plan deletes heads the file (comments to helm and YAML): the apply refuses an
  // upgrade that would delete anything else the release holds.
  await writeFile(planFile, encodeDeletions(planned.deleted, planned.forgotten) + renders.head, { mode: 0o600 });
  const notes = [...(base?.notes ?? []), ...head.notes].map((n) => `Note: ${n}\n`).join("");
  const live = req.kubeconfig
    ? await helmLiveDiff(
        {
          ...common,
          chart: head,
          kubeconfig: req.kubeconfig,
          ignore: s.ignore,
          hashing,
          knownSecrets: planned.summary.sensitiveValues,
          secretDerived: planned.secretDerived,
          canarySetFiles: canary?.setFiles,
        },
        exec,
      )
    : undefined;
  const text = { output: `${notes}${planned.output}`, log: `${notes}${planned.logOutput}` };
  return k8sPlanDone(req, { summary: planned.summary, ...text, planFile, started }, live);
}
