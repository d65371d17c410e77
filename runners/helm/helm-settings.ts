import type { Project } from "../../src/model/project.js";
import { HELM_DEFAULT_IGNORES, type IgnoreRule, ignoreDifferenceRules } from "../k8s/ignore-differences.js";

export interface ResolvedHelmSettings {
  release: string;
  namespace: string;
  values: string[];
  set: Record<string, string | number | boolean>;
  /** The chart-version label defaults, `ignore` and `ignore_differences`. */
  ignore: IgnoreRule[];
  /** Why `ignore_differences` cannot be used, when it cannot. */
  problem?: string;
  apiVersions: string[];
  kubeVersion?: string;
}

/** Helm release names: lowercase DNS-1123 label characters, at most 53. */
export function defaultReleaseName(dir: string): string {
  const last =
    dir
      .split("/")
      .filter((s) => s !== "" && s !== ".")
      .pop() ?? "";
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 53)
    .replace(/-+$/, "");
  return name || "release";
}

export function resolveHelmSettings(project: Project): ResolvedHelmSettings {
  const s = project.helm ?? {};
  const rules = ignoreDifferenceRules(s.ignoreDifferences ?? []);
  return {
    release: s.release ?? defaultReleaseName(project.dir),
    // A preview's namespace is its own, whatever the project's config says.
    namespace: project.previewNamespace ?? s.namespace ?? "default",
    values: s.values ?? [],
    set: s.set ?? {},
    ignore: [...HELM_DEFAULT_IGNORES, ...(s.ignore ?? []), ...(rules.ok ? rules.rules : [])],
    ...(rules.ok ? {} : { problem: rules.reason }),
    apiVersions: s.apiVersions ?? [],
    ...(s.kubeVersion !== undefined ? { kubeVersion: s.kubeVersion } : {}),
  };
}
