import type { Project } from "../../src/model/project.js";

/**
 * A helm project's settings from the repo config (base branch). Proposed as `Project.helm`
 * in src/model/project.ts; read through `HelmProject` until then.
 */
export interface HelmProjectSettings {
  /** Release name; default: the chart dir's last segment, made a valid release name. */
  release?: string;
  /** Default: "default". */
  namespace?: string;
  /** Values files, relative to the chart dir; they must resolve inside the checkout. */
  values?: string[];
  /** Plain values: strings pass as `--set-literal` (no comma or escape parsing), others as `--set-json`. */
  set?: Record<string, string | number | boolean>;
  /**
   * Helm value key -> name of a secret in the server config. The job resolves the names and hands
   * the values over in `K8sPlanRequest.secretSet`; they reach helm through `--set-file`, never argv.
   */
  secretSet?: Record<string, string>;
  /** Field paths whose differences are hidden (see runners/k8s/ignore-paths.ts). */
  ignore?: string[];
}

export type HelmProject = Project & { helm?: HelmProjectSettings };

export interface ResolvedHelmSettings {
  release: string;
  namespace: string;
  values: string[];
  set: Record<string, string | number | boolean>;
  ignore: string[];
}

/** Helm release names: lowercase DNS-1123 label characters, at most 53. */
export function defaultReleaseName(dir: string): string {
  const last = dir.split("/").filter((s) => s !== "" && s !== ".").pop() ?? "";
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 53)
    .replace(/-+$/, "");
  return name || "release";
}

export function resolveHelmSettings(project: HelmProject): ResolvedHelmSettings {
  const s = project.helm ?? {};
  return {
    release: s.release ?? defaultReleaseName(project.dir),
    namespace: s.namespace ?? "default",
    values: s.values ?? [],
    set: s.set ?? {},
    ignore: s.ignore ?? [],
  };
}
