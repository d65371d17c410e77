/**
 * argv builders for kubectl (pure, unit-tested). The plan renders with `kubectl kustomize` (the
 * kustomize built into kubectl: no extra binary, no cluster); only its optional live diff reads
 * from a cluster.
 *
 * Apply sends the saved render (`-f FILE`), not `-k DIR`: what reaches the cluster is byte for
 * byte what was reviewed, even if a remote base or generator would render differently now, and
 * exec has no stdin to pipe into `-f -`. `kubectl apply` never deletes, so objects the plan showed
 * as deleted go through a separate `kubectl delete` of their identities.
 */
export function kustomizeBuildArgv(dir: string): string[] {
  return ["kustomize", dir];
}

export interface KubectlTarget {
  kubeconfig: string;
  /**
   * For objects that name no namespace: the plan's (`kustomizeNamespace`), never the kubeconfig
   * context's. Omitted only for a file whose objects all name theirs (namespace-split.ts):
   * kubectl refuses, with the flag, every object naming another.
   */
  namespace?: string;
}

const targetArgs = (t: KubectlTarget): string[] => ["--kubeconfig", t.kubeconfig, ...(t.namespace ? ["--namespace", t.namespace] : [])];

/** Server-side apply under Sluice's own field manager, so conflicts with other managers are reported, not overwritten. */
export function kubectlApplyArgv(file: string, t: KubectlTarget): string[] {
  return ["apply", "--server-side", "--field-manager=sluice", ...targetArgs(t), "-f", file];
}

export function kubectlDeleteArgv(file: string, t: KubectlTarget): string[] {
  return ["delete", "--ignore-not-found", ...targetArgs(t), "-f", file];
}

/**
 * The head side of a live diff: the objects as the API server would store them after applying the
 * saved render, with the same field manager as the real apply (so a field-ownership conflict shows
 * here as it would there), persisting nothing. Not `kubectl diff`: it prints a unified diff of
 * whole objects, a Secret's data in clear among them, where this output is parsed and hashed.
 * More than one object prints as a `List`.
 */
export function kubectlDryRunApplyArgv(file: string, t: KubectlTarget): string[] {
  return ["apply", "--server-side", "--field-manager=sluice", "--dry-run=server", "-o", "yaml", ...targetArgs(t), "-f", file];
}

/**
 * The live side: the same objects as they are in the cluster now; objects that do not exist yet
 * are left out instead of failing the read. Several files: the render and the identities of what
 * the plan deletes.
 */
export function kubectlGetLiveArgv(files: readonly string[], t: KubectlTarget): string[] {
  return ["get", "--ignore-not-found", "-o", "yaml", ...targetArgs(t), ...files.flatMap((f) => ["-f", f])];
}
