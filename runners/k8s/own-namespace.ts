import { join } from "node:path";
import type { Project } from "../../src/model/project.js";
import { writeNewFile } from "../../src/util/write-new-file.js";
import type { ApplyRequest, Exec } from "../runner.js";
import { howItEnded } from "../how-it-ended.js";
import {
  clusterScopedKinds,
  kubectlClusterKindsArgv,
  kubectlCreateArgv,
  kubectlGetNamespaceArgv,
  type NamespaceOwner,
  namespaceOwner,
  previewNamespaceManifest,
} from "./preview-namespace.js";

export type OwnNamespace =
  | { ok: true; owner: Exclude<NamespaceOwner, { kind: "unknown" }> }
  | { ok: false; message: string; output: string };

/**
 * Before a preview writes to or deletes from the cluster: whose its namespace is (absent, the
 * preview's own by its labels, or someone else's, which the caller leaves alone). `create`: an
 * absent one is created with those labels first (`kubectl create`, which fails rather than adopt
 * a namespace made meanwhile). Not ok: the cluster could not be asked, or the creation failed.
 */
export async function ownNamespace(
  preview: { namespace: string; of: string },
  t: { kubeconfig: string; kubectl: string; req: ApplyRequest; redact: (s: string) => string },
  exec: Exec,
  create: boolean,
): Promise<OwnNamespace> {
  const opts = { cwd: t.req.dataDir, env: t.req.env, timeoutMs: t.req.timeoutMs, redact: t.redact };
  const got = await exec(t.kubectl, kubectlGetNamespaceArgv(preview.namespace, t.kubeconfig), opts);
  if (got.exitCode !== 0) return { ok: false, message: howItEnded("kubectl get namespace", got, t.req.timeoutMs), output: got.stderr };
  const owner = namespaceOwner(got.stdout, preview.namespace, preview.of);
  if (owner.kind === "unknown") return { ok: false, message: owner.message, output: "" };
  if (owner.kind !== "absent" || !create) return { ok: true, owner };
  const file = join(t.req.dataDir, "preview-namespace.yaml");
  await writeNewFile(file, previewNamespaceManifest(preview.namespace, preview.of));
  const made = await exec(t.kubectl, kubectlCreateArgv(file, t.kubeconfig), { ...opts, onOutput: t.req.onOutput });
  if (made.exitCode !== 0)
    return {
      ok: false,
      message: howItEnded("kubectl create namespace", made, t.req.timeoutMs),
      output: made.stdout + made.stderr,
    };
  return { ok: true, owner: { kind: "ours" } };
}

/** The namespace a preview project runs in and whose preview it is (previewProject sets both). */
export function previewOfProject(project: Project): { namespace: string; of: string } | undefined {
  if (!project.previewNamespace) return undefined;
  return { namespace: project.previewNamespace, of: project.previewOf ?? project.name };
}

/**
 * Which kinds the cluster keeps outside namespaces, asked of the cluster itself: a custom kind (a
 * ClusterIssuer, a ClusterPolicy) looks namespaced to any list Sluice could keep. A partial answer
 * (an API group that did not answer discovery) is used as far as it goes; none at all is a failure.
 */
export async function clusterKindsOf(
  t: { kubeconfig: string; kubectl: string; req: ApplyRequest; redact: (s: string) => string },
  exec: Exec,
): Promise<{ ok: true; kinds: Set<string> } | { ok: false; message: string; output: string }> {
  const opts = { cwd: t.req.dataDir, env: t.req.env, timeoutMs: t.req.timeoutMs, redact: t.redact };
  const got = await exec(t.kubectl, kubectlClusterKindsArgv(t.kubeconfig), opts);
  const kinds = clusterScopedKinds(got.stdout);
  if (kinds.size === 0) {
    const failed = got.exitCode !== 0 ? howItEnded("kubectl api-resources", got, t.req.timeoutMs) : undefined;
    return { ok: false, message: failed ?? "kubectl api-resources listed no cluster-scoped kind", output: got.stderr };
  }
  return { ok: true, kinds };
}
