import { kubectlBinary } from "../helm/helm-binary.js";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveInside } from "../../src/util/resolve-inside.js";
import { describeExecFailure } from "../k8s/describe-exec-failure.js";
import { invalidIgnorePath } from "../k8s/ignore-paths.js";
import { deletionManifest, encodeDeletions, type ObjectIdentity } from "../k8s/deletion-header.js";
import type { K8sRunner } from "../k8s/k8s-plan-request.js";
import { LIVE_DELETIONS_FILE, RENDERED_FILE } from "../k8s/plan-files.js";
import { planFromRenders } from "../k8s/plan-from-renders.js";
import { renderLiveDiff } from "../k8s/render-live-diff.js";
import type { ApplyRequest, Exec, PlanOutcome, PlanRequest } from "../runner.js";
import { kustomizeBuildArgv } from "./kustomize-argv.js";
import { applyKustomize } from "./kustomize-apply.js";
import { kustomizeLiveDiff } from "./kustomize-live-diff.js";
import { KUSTOMIZATION_FILES, type KustomizeProject } from "./kustomize-settings.js";

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
  const fail = (failedStep: string, message: string, output = ""): PlanOutcome => ({
    ok: false,
    failedStep,
    message,
    output,
    durationMs: performance.now() - started,
  });
  const project = req.project as KustomizeProject;
  const namespace = project.kustomize?.namespace ?? "default";
  const ignore = project.kustomize?.ignore ?? [];
  if (req.extraArgs.length > 0) return fail("arguments", "kustomize projects take no extra arguments");
  const invalid = invalidIgnorePath(ignore);
  if (invalid) return fail("config", invalid);
  const head = await resolveInside(req.checkoutDir, project.dir);
  if (!head.ok) return fail("checkout", head.reason);
  if (!hasKustomization(head.path)) return fail("checkout", `\`${project.dir}\` has no kustomization.yaml`);
  const planFile = join(req.dataDir, RENDERED_FILE);
  // A failed plan must not leave an older plan file behind to be applied.
  await rm(planFile, { force: true });
  await rm(join(req.dataDir, LIVE_DELETIONS_FILE), { force: true });
  let baseDir: string | undefined;
  if (req.baseCheckoutDir && hasKustomization(join(req.baseCheckoutDir, project.dir))) {
    const base = await resolveInside(req.baseCheckoutDir, project.dir);
    if (!base.ok) return fail("checkout", base.reason);
    baseDir = base.path;
  }

  const render = async (side: string, dir: string) => {
    // stdout holds Secret values in clear: parsed (and hashed) before anything shows it.
    const r = await exec(bin, kustomizeBuildArgv(dir), { cwd: dir, env: req.env, timeoutMs: req.timeoutMs, redact: identity });
    if (r.exitCode === 0) return { ok: true as const, yaml: r.stdout };
    const message = describeExecFailure(`kubectl kustomize (${side})`, r, req.timeoutMs);
    return { ok: false as const, failedStep: `build (${side})`, message, output: req.redact(r.stderr) };
  };
  const headYaml = await render("head", head.path);
  if (!headYaml.ok) return fail(headYaml.failedStep, headYaml.message, headYaml.output);
  const baseYaml = baseDir ? await render("base", baseDir) : undefined;
  if (baseYaml && !baseYaml.ok) return fail(baseYaml.failedStep, baseYaml.message, baseYaml.output);

  // One key per plan: base, head and the live diff compare, and the posted markers cannot be looked up.
  const hashing = { key: randomBytes(32).toString("hex") };
  const planned = planFromRenders({
    base: baseYaml?.yaml,
    head: headYaml.yaml,
    defaultNamespace: namespace,
    ignore,
    tool: "kustomize",
    hashing,
  });
  if (!planned.ok) return fail(planned.failedStep, planned.message);

  await mkdir(req.dataDir, { recursive: true });
  // generateName objects have no fixed name to delete.
  const toDelete = planned.deleted.filter((o) => !o.name.endsWith("*"));
  await writeFile(planFile, encodeDeletions(toDelete) + headYaml.yaml, { mode: 0o600 });
  let output = planned.output;
  if (req.kubeconfig) {
    const live = await kustomizeLiveDiff(
      {
        bin,
        renderFile: planFile,
        renderHasObjects: planned.head.length > 0,
        deletionsFile: toDelete.length > 0 ? await writeLiveDeletions(req.dataDir, toDelete) : undefined,
        target: { kubeconfig: req.kubeconfig, namespace: project.kustomize?.namespace },
        cwd: req.dataDir,
        env: req.env,
        timeoutMs: req.timeoutMs,
        ignore,
        hashing,
        redact: req.redact,
        knownSecrets: planned.summary.sensitiveValues,
      },
      exec,
    );
    // Values read from the cluster (an old key) are redacted from everything posted, too.
    planned.summary.sensitiveValues = [...new Set([...planned.summary.sensitiveValues, ...live.secretValues])];
    output += `\n${renderLiveDiff(live)}`;
  }
  req.onOutput?.(req.redact(output));
  return { ok: true, summary: planned.summary, output, planFile, durationMs: performance.now() - started };
}

async function writeLiveDeletions(dataDir: string, objects: readonly ObjectIdentity[]): Promise<string> {
  const file = join(dataDir, LIVE_DELETIONS_FILE);
  await writeFile(file, deletionManifest(objects), { mode: 0o600 });
  return file;
}
