import { ranWell } from "../exec.js";
import { kubectlBinary } from "../helm/helm-binary.js";
import { planFailure } from "../plan-failure.js";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { writeNewFile } from "../../src/util/write-new-file.js";
import { howItEnded } from "../how-it-ended.js";
import { ignoreDifferenceRules } from "../k8s/ignore-differences.js";
import { invalidIgnorePath } from "../k8s/ignore-paths.js";
import { saveDestroyPlan } from "../k8s/save-destroy-plan.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { namespaceEscapes, previewNamespaceManifest } from "../k8s/preview-namespace.js";
import { deletionManifest, encodeDeletions, type ObjectIdentity } from "../k8s/deletion-header.js";
import type { K8sRunner } from "../k8s/k8s-plan-request.js";
import { LIVE_DELETIONS_FILE, RENDERED_FILE } from "../k8s/plan-files.js";
import { planFromRenders } from "../k8s/plan-from-renders.js";
import { k8sPlanDone } from "../k8s/k8s-plan-done.js";
import type { ApplyRequest, Exec, PlanOutcome, PlanRequest } from "../runner.js";
import { kustomizeBuildArgv } from "./kustomize-argv.js";
import { applyKustomize } from "./kustomize-apply.js";
import { type KustomizeLiveDiffInput, kustomizeLiveDiff } from "./kustomize-live-diff.js";
import { namespacePasses, splitByNamespace } from "./namespace-split.js";
import { KUSTOMIZATION_FILES, type KustomizeProject, kustomizeNamespace } from "./kustomize-settings.js";

export interface KustomizeRunnerSettings {
  kubectlBinary?: string;
}

const identity = (s: string) => s;

export function createKustomizeRunner(settings: KustomizeRunnerSettings = {}): K8sRunner {
  const bin = kubectlBinary(settings.kubectlBinary);
  return {
    kind: "kustomize",
    needsBase: true,
    plan: (req: PlanRequest, exec: Exec) => planKustomize(bin, req, exec),
    apply: (req: ApplyRequest, exec: Exec) => applyKustomize(bin, req, exec),
  };
}

const hasKustomization = (dir: string) => KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)));

async function planKustomize(bin: string, req: PlanRequest, exec: Exec): Promise<PlanOutcome> {
  const started = performance.now();
  const fail = planFailure(started);
  const project = req.project as KustomizeProject;
  const namespace = kustomizeNamespace(project);
  const preview = project.previewNamespace;
  if (req.destroy && !preview) return fail("arguments", "a kustomize project is destroyed only as a preview (its own namespace)");
  const rules = ignoreDifferenceRules(project.kustomize?.ignoreDifferences ?? []);
  if (!rules.ok) return fail("config", rules.reason);
  const ignore = [...(project.kustomize?.ignore ?? []), ...rules.rules];
  if (req.extraArgs.length > 0) return fail("arguments", "kustomize projects take no extra arguments");
  const invalid = invalidIgnorePath(ignore);
  if (invalid) return fail("config", invalid);
  const planFile = join(req.dataDir, RENDERED_FILE);
  // A failed plan must not leave an older plan file behind to be applied.
  await rm(planFile, { force: true });
  await rm(join(req.dataDir, LIVE_DELETIONS_FILE), { force: true });
  await mkdir(req.dataDir, { recursive: true });
  const head = await resolveInside(req.checkoutDir, project.dir);
  if (!head.ok || !hasKustomization(head.path)) {
    const problem = head.ok ? `\`${project.dir}\` has no kustomization.yaml` : head.reason;
    return req.destroy && preview ? saveDestroyPlan(req, { problem }, preview, "kustomize", started) : fail("checkout", problem);
  }
  let baseDir: string | undefined;
  if (req.baseCheckoutDir && hasKustomization(join(req.baseCheckoutDir, project.dir))) {
    const base = await resolveInside(req.baseCheckoutDir, project.dir);
    if (!base.ok) return fail("checkout", base.reason);
    baseDir = base.path;
  }

  const render = (side: string, projectDir: string) => renderKustomization(bin, req, exec, side, projectDir);
  const headYaml = await render("head", head.path);
  if (req.destroy && preview)
    return saveDestroyPlan(req, headYaml.ok ? headYaml : { problem: headYaml.message }, preview, "kustomize", started);
  if (!headYaml.ok) return fail(headYaml.failedStep, headYaml.message, headYaml.output);
  const escapes = preview ? namespaceEscapes(parseManifests(headYaml.yaml, namespace).objects, namespace) : undefined;
  if (escapes) return fail("preview namespace", escapes);
  const baseYaml = baseDir ? await render("base", baseDir) : undefined;
  if (baseYaml && !baseYaml.ok) return fail(baseYaml.failedStep, baseYaml.message, baseYaml.output);
  // The same input again: what differs is regenerated on every render (a generator plugin), not a change.
  const baseAgain = baseDir ? await render("base", baseDir) : undefined;

  // One key per plan: base, head and the live diff compare, and the posted markers cannot be looked up.
  const hashing = { key: randomBytes(32).toString("hex") };
  const planned = planFromRenders({
    base: baseYaml?.yaml,
    head: headYaml.yaml,
    defaultNamespace: namespace,
    ignore,
    tool: "kustomize",
    hashing,
    baseAgain: baseAgain?.ok ? baseAgain.yaml : undefined,
  });
  if (!planned.ok) return fail(planned.failedStep, planned.message);
  // Checked here, not first at apply: a render kubectl cannot send where the plan shows it.
  const sendable = splitByNamespace(headYaml.yaml, namespace);
  if (!sendable.ok) return fail("parse", sendable.message);

  // generateName objects have no fixed name to delete.
  const toDelete = planned.deleted.filter((o) => !o.name.endsWith("*"));
  await writeFile(planFile, encodeDeletions(toDelete) + headYaml.yaml, { mode: 0o600 });
  const live = req.kubeconfig
    ? await kustomizeLiveOf(bin, req, exec, req.kubeconfig, {
        yaml: headYaml.yaml,
        planFile,
        toDelete,
        namespace,
        ignore,
        hashing,
        knownSecrets: planned.summary.sensitiveValues,
        sending: planned.head.length > 0,
      })
    : undefined;
  return k8sPlanDone(req, { summary: planned.summary, output: planned.output, log: planned.logOutput, planFile, started }, live);
}

/**
 * One side's render (`head` or `base`) of the project, or of a preview's wrapper around it.
 * stdout holds Secret values in clear: returned to be parsed (and hashed) before anything shows it.
 */
async function renderKustomization(bin: string, req: PlanRequest, exec: Exec, side: string, projectDir: string) {
  const project = req.project as KustomizeProject;
  const preview = project.previewNamespace;
  // A preview renders through a kustomization of its own that moves everything into its namespace.
  const dir = preview
    ? await writePreviewKustomization(join(req.dataDir, `preview-${side}`), projectDir, preview, project.previewOf ?? project.name)
    : projectDir;
  // stdout holds Secret values in clear: parsed (and hashed) before anything shows it.
  const r = await exec(bin, kustomizeBuildArgv(dir), { cwd: dir, env: req.env, timeoutMs: req.timeoutMs, redact: identity });
  // A render cut at the cap would read as a whole one missing its last objects.
  if (ranWell(r) && !r.outputCut) return { ok: true as const, yaml: r.stdout };
  const message = howItEnded(`kubectl kustomize (${side})`, r, req.timeoutMs);
  return { ok: false as const, failedStep: `build (${side})`, message, output: req.redact(r.stderr) };
}

/**
 * The live diff of the head render against the cluster: what it sends and what the plan deletes,
 * each split into passes kubectl can send (one namespace each); a pass that cannot be made is
 * left out and the diff says what it compared.
 */
async function kustomizeLiveOf(
  bin: string,
  req: PlanRequest,
  exec: Exec,
  kubeconfig: NonNullable<PlanRequest["kubeconfig"]>,
  p: {
    yaml: string;
    planFile: string;
    toDelete: readonly ObjectIdentity[];
    namespace: string;
    ignore: KustomizeLiveDiffInput["ignore"];
    hashing: KustomizeLiveDiffInput["hashing"];
    knownSecrets: KustomizeLiveDiffInput["knownSecrets"];
    /** The head render has objects to send. */
    sending: boolean;
  },
) {
  const target = { kubeconfig, namespace: p.namespace };
  const sending = p.sending ? await namespacePasses(p.yaml, p.planFile, target, req.dataDir, "live") : undefined;
  const deletions = p.toDelete.length > 0 ? await writeLiveDeletions(req.dataDir, p.toDelete) : undefined;
  const deleting = deletions
    ? await namespacePasses(deletionManifest(p.toDelete), deletions, target, req.dataDir, "live-deletions")
    : undefined;
  return kustomizeLiveDiff(
    {
      bin,
      render: sending?.ok ? sending.passes : [],
      deletions: deleting?.ok ? deleting.passes : [],
      namespace: p.namespace,
      cwd: req.dataDir,
      env: req.env,
      timeoutMs: req.timeoutMs,
      ignore: p.ignore,
      hashing: p.hashing,
      redact: req.redact,
      knownSecrets: p.knownSecrets,
    },
    exec,
  );
}

/**
 * A kustomization in the preview's data dir whose resources are the preview's Namespace and the
 * project: kustomize's own namespace transformer then puts every namespaced object in the
 * preview's namespace (references such as a RoleBinding's subjects included). kustomize takes
 * only relative paths to other kustomizations.
 */
async function writePreviewKustomization(wrapper: string, projectDir: string, namespace: string, previewOf: string): Promise<string> {
  // Made anew each time: nothing a run may have left in the data dir is written through.
  await rm(wrapper, { recursive: true, force: true });
  await mkdir(wrapper, { recursive: true });
  await writeNewFile(join(wrapper, "namespace.yaml"), previewNamespaceManifest(namespace, previewOf));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace,
    resources: ["namespace.yaml", relative(wrapper, projectDir)],
  };
  await writeNewFile(join(wrapper, "kustomization.yaml"), JSON.stringify(kustomization, null, 2));
  return wrapper;
}

async function writeLiveDeletions(dataDir: string, objects: readonly ObjectIdentity[]): Promise<string> {
  const file = join(dataDir, LIVE_DELETIONS_FILE);
  await writeFile(file, deletionManifest(objects), { mode: 0o600 });
  return file;
}
