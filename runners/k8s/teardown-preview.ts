import type { Project } from "../../src/model/project.js";
import type { ExecResult } from "../exec.js";
import type { ApplyOutcome, ApplyRequest, Exec } from "../runner.js";
import { howItEnded } from "../how-it-ended.js";
import type { k8sApplyOutcome } from "./k8s-apply-outcome.js";
import { ownNamespace, previewOfProject } from "./own-namespace.js";
import { kubectlDeleteNamespaceArgv } from "./preview-namespace.js";

export interface Teardown {
  project: Project;
  kubeconfig: string;
  kubectl: string;
  req: ApplyRequest;
  outcome: ReturnType<typeof k8sApplyOutcome>;
}

/**
 * Applies a preview's destroy plan: the tool removes what the preview created (`helm uninstall`,
 * `kubectl delete` of the planned objects), then its namespace goes, with anything left in it.
 * Only a project carrying a preview namespace is torn down, and only when the cluster's namespace
 * is a preview's (labelled so when Sluice created it): a destroy plan never deletes a namespace of
 * the project's real releases, nor anything in a namespace it did not create.
 */
export async function teardownPreview(
  t: Teardown,
  exec: Exec,
  removeObjects: () => Promise<(ExecResult & { step: string }) | undefined>,
): Promise<ApplyOutcome> {
  const { req, outcome } = t;
  const preview = previewOfProject(t.project);
  if (!preview) return outcome.fail("a destroy plan of a Kubernetes project applies only to a preview's own namespace");
  const namespace = preview.namespace;
  const redact = req.redactWith(outcome.sensitiveValues);
  const own = await ownNamespace(preview, { kubeconfig: t.kubeconfig, kubectl: t.kubectl, req, redact }, exec, false);
  if (!own.ok) return outcome.fail(own.message, own.output);
  // Gone already (a teardown finished by an earlier attempt, or never applied): nothing is left to remove.
  if (own.owner.kind === "absent") return outcome.done(`namespace ${namespace} is not in the cluster: nothing to remove\n`);
  // Someone else's namespace under the preview's name: the preview was refused there and put
  // nothing in it, so the teardown is done without touching it (a retry could never succeed).
  if (own.owner.kind === "foreign") return outcome.done(`${own.owner.message}; left as it is: nothing of this preview's is in it\n`);
  // A removal that fails (a kind whose CRD is gone, an uninstall hook that fails, an older helm)
  // is said, and the namespace still goes: it holds everything the preview made, the release's
  // own records included, so a retry could only fail the same way.
  const removed = await removeObjects();
  const removalFailed =
    removed && removed.exitCode !== 0
      ? `${howItEnded(removed.step, removed, req.timeoutMs)}; the namespace's deletion removes what is left\n`
      : "";
  const deleted = await exec(t.kubectl, kubectlDeleteNamespaceArgv(namespace, t.kubeconfig), {
    cwd: req.dataDir,
    env: req.env,
    timeoutMs: req.timeoutMs,
    redact,
    onOutput: req.onOutput,
    pty: true,
  });
  const output = (removed?.stdout ?? "") + removalFailed + deleted.stdout;
  if (deleted.exitCode !== 0) return outcome.fail(howItEnded("kubectl delete namespace", deleted, req.timeoutMs), output);
  return outcome.done(output);
}
