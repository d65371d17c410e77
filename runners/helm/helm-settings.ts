import type { Project } from "../../src/model/project.js";

export interface ResolvedHelmSettings {
  release: string;
  namespace: string;
  values: string[];
  set: Record<string, string | number | boolean>;
  ignore: string[];
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
  return {
    release: s.release ?? defaultReleaseName(project.dir),
    namespace: s.namespace ?? "default",
    values: s.values ?? [],
    set: s.set ?? {},
    ignore: s.ignore ?? [],
  };
}
