import type { IgnoreDifference, Project } from "../../src/model/project.js";

/** A kustomize project's settings from the repo config; proposed as `Project.kustomize`. */
export interface KustomizeProjectSettings {
  /** Namespace of objects that name none (for matching, and for apply). Default: "default". */
  namespace?: string;
  /** Field paths whose differences are hidden (see runners/k8s/ignore-paths.ts). */
  ignore?: string[];
  ignoreDifferences?: IgnoreDifference[];
}

export type KustomizeProject = Project & { kustomize?: KustomizeProjectSettings };

export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** Where objects that name no namespace go: a preview's own namespace, else the config's, else "default". */
export function kustomizeNamespace(project: KustomizeProject): string {
  return project.previewNamespace ?? project.kustomize?.namespace ?? "default";
}
