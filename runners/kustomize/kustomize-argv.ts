/**
 * argv builders for kubectl (pure, unit-tested). The plan renders with `kubectl kustomize` (the
 * kustomize built into kubectl: no extra binary, no cluster).
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
  /** For objects that name no namespace; omitted = the kubeconfig context's namespace. */
  namespace?: string;
}

const targetArgs = (t: KubectlTarget): string[] => [
  "--kubeconfig",
  t.kubeconfig,
  ...(t.namespace ? ["--namespace", t.namespace] : []),
];

/** Server-side apply under Sluice's own field manager, so conflicts with other managers are reported, not overwritten. */
export function kubectlApplyArgv(file: string, t: KubectlTarget): string[] {
  return ["apply", "--server-side", "--field-manager=sluice", ...targetArgs(t), "-f", file];
}

export function kubectlDeleteArgv(file: string, t: KubectlTarget): string[] {
  return ["delete", "--ignore-not-found", ...targetArgs(t), "-f", file];
}

/** Live diff against the cluster (exit code 1 = differences, >1 = error). */
export function kubectlDiffArgv(file: string, t: KubectlTarget): string[] {
  return ["diff", "--server-side", "--field-manager=sluice", ...targetArgs(t), "-f", file];
}
