/** What project discovery knows about a repository at one commit (read once, pure afterwards). */
export interface ProjectTree {
  /** Every path in the repo, POSIX, relative to the root. */
  files: string[];
  /** Per dir: the local module sources found in that dir's `.tf` / `.tf.json` files. */
  tfSources: Map<string, string[]>;
  /** Local paths each kustomization names (resources, bases, components, patches, generators' files…). */
  kustomizeRefs: Map<string, string[]>;
  /** Per chart dir: its `file://` dependencies, relative to it (read with Chart.yaml files; absent = none known). */
  chartRefs?: Map<string, string[]>;
}

/** The part of the tree Terraform discovery reads. */
export type RepoTree = Pick<ProjectTree, "files" | "tfSources">;
