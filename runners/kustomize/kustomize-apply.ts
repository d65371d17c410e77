import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { deletionManifest, decodeDeletions } from "../k8s/deletion-header.js";
import { howItEnded } from "../how-it-ended.js";
import { k8sApplyOutcome, readSavedPlan } from "../k8s/k8s-apply-outcome.js";
import { NO_KUBECONFIG } from "../k8s/k8s-plan-request.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { DELETIONS_FILE } from "../k8s/plan-files.js";
import { readDestroyPlan } from "../k8s/destroy-plan.js";
import { clusterKindsOf, ownNamespace, previewOfProject } from "../k8s/own-namespace.js";
import { kindKey, namespaceEscapes } from "../k8s/preview-namespace.js";
import { teardownPreview } from "../k8s/teardown-preview.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { changeRunOptions } from "../change-run-options.js";
import { kubectlApplyArgv, kubectlDeleteArgv } from "./kustomize-argv.js";
import { type KustomizeProject, kustomizeNamespace } from "./kustomize-settings.js";
import { namespacePasses } from "./namespace-split.js";

/**
 * Applies the saved render (server-side apply), then deletes what the plan showed as deleted.
 * Not run here: there is no cluster on the build machines; the argv is unit-tested.
 */
export async function applyKustomize(bin: string, plain: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
  const req = plain as ApplyRequest;
  const project = req.project as KustomizeProject;
  const outcome = k8sApplyOutcome();
  const { done, fail } = outcome;
  if (!req.kubeconfig) return fail(NO_KUBECONFIG);
  const read = await readSavedPlan(req.planFile);
  if (!read.ok) return fail(read.message);
  const saved = read.text;
  // Only to learn the Secret values, so kubectl's output is redacted with them.
  outcome.sensitiveValues = parseManifests(saved, "default").secretValues;
  const redact = req.redactWith(outcome.sensitiveValues);
  // The namespace the plan gave objects that name none (its addresses, what the rules read),
  // never the one the kubeconfig's context happens to name.
  const target = { kubeconfig: req.kubeconfig, namespace: kustomizeNamespace(project) };
  // Every run that changes a cluster is stopped as on a timeout, as helm's and terraform's are.
  const opts = changeRunOptions(req, { cwd: dirname(req.planFile), env: req.env, redact });
  const preview = previewOfProject(project);
  const kubectl = { kubeconfig: req.kubeconfig, kubectl: bin, req, redact };
  const teardown = readDestroyPlan(saved);
  if (teardown) {
    return teardownPreview({ project, kubeconfig: req.kubeconfig, kubectl: bin, req, outcome }, exec, async () => {
      const kinds = await clusterKindsOf(kubectl, exec);
      if (!kinds.ok)
        return { exitCode: 1, timedOut: false, stdout: `${kinds.message}\n`, stderr: "", durationMs: 0, step: "kubectl api-resources" };
      // Only namespaced objects of the preview's own namespace, as the cluster counts them; the
      // namespace itself goes last (teardown-preview.ts).
      const objects = teardown.filter((o) => o.kind !== "Namespace" && o.namespace === preview?.namespace && !kinds.kinds.has(kindKey(o)));
      if (objects.length === 0) return undefined;
      const file = join(req.dataDir, DELETIONS_FILE);
      await writeFile(file, deletionManifest(objects), { mode: 0o600 });
      return { ...(await exec(bin, kubectlDeleteArgv(file, target), opts)), step: "kubectl delete" };
    });
  }

  if (preview) {
    // The render creates the namespace, labelled as this preview's; one that exists must be so already.
    const own = await ownNamespace(preview, kubectl, exec, false);
    if (!own.ok) return fail(own.message, own.output);
    if (own.owner.kind === "foreign") return fail(own.owner.message);
    // Kinds the cluster keeps outside namespaces (custom ones too) were not known when it was planned.
    const kinds = await clusterKindsOf(kubectl, exec);
    if (!kinds.ok) return fail(`${kinds.message}: which kinds are cluster-wide is unknown, so nothing was applied`, kinds.output);
    const escapes = namespaceEscapes(parseManifests(saved, preview.namespace).objects, preview.namespace, kinds.kinds);
    if (escapes) return fail(escapes);
  }
  const applying = await namespacePasses(saved, req.planFile, target, req.dataDir, "apply");
  if (!applying.ok) return fail(`${applying.message}; nothing was applied`);
  let output = "";
  for (const pass of applying.passes) {
    const applied = await exec(bin, kubectlApplyArgv(pass.file, pass.target), opts);
    output += applied.stdout;
    if (applied.exitCode !== 0) return fail(howItEnded("kubectl apply", applied, req.timeoutMs), output);
  }
  // A preview deletes only inside its namespace, whatever the plan file's header says.
  const toDelete = decodeDeletions(saved).filter((o) => !preview || o.namespace === preview.namespace);
  if (toDelete.length === 0) return done(output);
  const deletions = join(req.dataDir, DELETIONS_FILE);
  const manifest = deletionManifest(toDelete);
  await writeFile(deletions, manifest, { mode: 0o600 });
  const deleting = await namespacePasses(manifest, deletions, target, req.dataDir, "delete");
  if (!deleting.ok) return fail(deleting.message, output);
  for (const pass of deleting.passes) {
    const deleted = await exec(bin, kubectlDeleteArgv(pass.file, pass.target), opts);
    output += deleted.stdout;
    if (deleted.exitCode !== 0) return fail(howItEnded("kubectl delete", deleted, req.timeoutMs), output);
  }
  return done(output);
}
