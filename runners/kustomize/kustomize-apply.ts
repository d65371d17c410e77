import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { deletionManifest, decodeDeletions, type ObjectIdentity } from "../k8s/deletion-header.js";
import { apiGroup, objectKey } from "../k8s/k8s-object.js";
import { writeNewFile } from "../../src/util/write-new-file.js";
import { howItEnded } from "../how-it-ended.js";
import { k8sApplyOutcome, readSavedPlan } from "../k8s/k8s-apply-outcome.js";
import { NO_KUBECONFIG } from "../k8s/k8s-plan-request.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { DELETIONS_FILE } from "../k8s/plan-files.js";
import { readDestroyPlan } from "../k8s/destroy-plan.js";
import { clusterKindsOf, ownNamespace, previewOfProject } from "../k8s/own-namespace.js";
import { clusterScopedKinds, kindKey, namespaceEscapes } from "../k8s/preview-namespace.js";
import { teardownPreview } from "../k8s/teardown-preview.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { changeRunOptions } from "../change-run-options.js";
import { kubectlApplyArgv, kubectlDeleteArgv } from "./kustomize-argv.js";
import { type KustomizeProject, kustomizeNamespace } from "./kustomize-settings.js";
import { type KubectlPass, namespacePasses } from "./namespace-split.js";
import { kustomizeLiveDiff } from "./kustomize-live-diff.js";
import { listSome } from "../../src/util/list-some.js";

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
  const deletedPasses: KubectlPass[] = [];
  if (toDelete.length > 0) {
    const deletions = join(req.dataDir, DELETIONS_FILE);
    const manifest = deletionManifest(toDelete);
    await writeFile(deletions, manifest, { mode: 0o600 });
    const deleting = await namespacePasses(manifest, deletions, target, req.dataDir, "delete");
    if (!deleting.ok) return fail(deleting.message, output);
    for (const pass of deleting.passes) {
      const deleted = await exec(bin, kubectlDeleteArgv(pass.file, pass.target), opts);
      output += deleted.stdout;
      if (deleted.exitCode !== 0) return fail(howItEnded("kubectl delete", deleted, req.timeoutMs), output);
      deletedPasses.push(pass);
    }
  }
  // A custom object deleted with its CRD cannot be asked for again (kubectl maps its kind first).
  const gone = await goneWithTheirCrd(bin, toDelete, { req, kubeconfig: req.kubeconfig, redact }, exec);
  let readDeleted = deletedPasses;
  if (gone.size > 0) {
    const rest = deletionManifest(toDelete.filter((o) => !gone.has(objectKey(o))));
    readDeleted = [];
    if (gone.size < toDelete.length) {
      const file = join(req.dataDir, READ_BACK_DELETIONS_FILE);
      await writeNewFile(file, rest);
      const again = await namespacePasses(rest, file, target, req.dataDir, "read-back-deletions");
      if (!again.ok) return fail(again.message, output);
      readDeleted = again.passes;
    }
  }
  // Applied once the objects, read back, are what was applied and the deleted ones are gone.
  const unconfirmed = await objectsReadBack(bin, { req, passes: applying.passes, deleted: readDeleted, target, redact, outcome }, exec);
  return unconfirmed === undefined ? done(output) : fail(unconfirmed, output);
}

const READ_BACK_DELETIONS_FILE = "read-back-deletions.yaml";

/**
 * The keys of deleted custom objects whose CRD the same apply deleted and whose kind the cluster's
 * discovery no longer lists: the API server deleted them with their CRD, and kubectl cannot ask for
 * them again (it maps every kind first; "no matches for kind" is no NotFound, which
 * `--ignore-not-found` alone ignores). Discovery failing, none is left out.
 */
async function goneWithTheirCrd(
  bin: string,
  deleted: readonly ObjectIdentity[],
  t: { req: ApplyRequest; kubeconfig: string; redact: (s: string) => string },
  exec: Exec,
): Promise<Set<string>> {
  const crdGroups = new Set(
    deleted
      .filter((o) => o.kind === "CustomResourceDefinition" && apiGroup(o.apiVersion) === "apiextensions.k8s.io")
      .map((o) => o.name.slice(o.name.indexOf(".") + 1)),
  );
  const candidates = deleted.filter((o) => o.kind !== "CustomResourceDefinition" && crdGroups.has(apiGroup(o.apiVersion)));
  if (candidates.length === 0) return new Set();
  const served = await exec(bin, ["api-resources", "--no-headers", "--kubeconfig", t.kubeconfig], {
    cwd: t.req.dataDir,
    env: t.req.env,
    timeoutMs: t.req.timeoutMs,
    redact: t.redact,
  });
  if (served.exitCode !== 0) return new Set();
  const kinds = clusterScopedKinds(served.stdout);
  if (kinds.size === 0) return new Set();
  return new Set(candidates.filter((o) => !kinds.has(kindKey(o))).map(objectKey));
}

/**
 * Why the cluster, read back after the apply and the deletions exited 0, does not hold what was
 * applied, or undefined when it does: the objects as they are now (`kubectl get`) against a
 * server-side dry run of the same apply, which changes nothing once the apply took (status and
 * server bookkeeping left out, as in the plan's live diff; the project's ignore rules, the pull
 * request's config, hide nothing here), and none of the deleted objects left.
 */
async function objectsReadBack(
  bin: string,
  a: {
    req: ApplyRequest;
    passes: readonly KubectlPass[];
    deleted: readonly KubectlPass[];
    target: { namespace: string };
    redact: (s: string) => string;
    outcome: ReturnType<typeof k8sApplyOutcome>;
  },
  exec: Exec,
): Promise<string | undefined> {
  const back = await kustomizeLiveDiff(
    {
      bin,
      render: a.passes,
      deletions: a.deleted,
      namespace: a.target.namespace,
      cwd: a.req.dataDir,
      env: a.req.env,
      timeoutMs: a.req.timeoutMs,
      ignore: [],
      hashing: { key: randomBytes(32).toString("hex") },
      redact: a.redact,
      knownSecrets: a.outcome.sensitiveValues,
    },
    exec,
  );
  a.outcome.sensitiveValues = [...new Set([...a.outcome.sensitiveValues, ...back.secretValues])];
  const head = "kubectl apply exited 0, but";
  const after = "not reported applied; `kubectl get` the objects to see what the cluster holds";
  if (!back.ok) return `${head} the objects could not be read back (${back.reason}): ${after}`;
  if (back.diff.changes.length === 0) return undefined;
  const which = listSome(
    back.diff.changes.map((c) => `${c.action === "delete" ? "still holds" : c.action === "create" ? "lacks" : "differs at"} ${c.address}`),
    5,
  );
  return `${head} the objects read back from the cluster are not what was applied (it ${which}): ${after}`;
}
