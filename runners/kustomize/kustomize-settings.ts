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
