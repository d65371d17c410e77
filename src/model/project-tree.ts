/** What project discovery knows about a repository at one commit (read once, pure afterwards). */
export interface ProjectTree {
  /** Every path in the repo, POSIX, relative to the root. */
  files: string[];
  /** Per dir: the local module sources found in that dir's `.tf` / `.tf.json` files. */
  tfSources: Map<string, string[]>;
  /** Local `resources`/`bases`/`components` of each kustomization dir. */
  kustomizeRefs: Map<string, string[]>;
}

/** The part of the tree Terraform discovery reads. */
export type RepoTree = Pick<ProjectTree, "files" | "tfSources">;
