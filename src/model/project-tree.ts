/** What project discovery knows about a repository at one commit (read once, pure afterwards). */
export interface ProjectTree {
  /** Every path in the repo, POSIX, relative to the root. */
  files: string[];
  /** Per dir: the local module sources found in that dir's `.tf` / `.tf.json` files. */
  tfSources: Map<string, string[]>;
  /** Local `resources`/`bases`/`components` of each kustomization dir. */
  kustomizeRefs: Map<string, string[]>;
  /** Per Terraform dir: the files its code reads (`file`, `templatefile`, `fileset`, …); absent = not read. */
  tfReads?: Map<string, TfRead[]>;
}

/** The part of the tree Terraform discovery reads. */
export type RepoTree = Pick<ProjectTree, "files" | "tfSources" | "tfReads">;

/**
 * A file read found in a Terraform dir's code: a path relative to the module's own dir or to the
 * root module (Terraform's working dir), `""` for the dir itself; `pattern` for `fileset`; or a
 * read whose path is computed, which could be anything under the reading dir.
 */
export type TfRead =
  | { fn: string; base: "module" | "root"; path: string; pattern?: string }
  | { fn: string; computed: true; under?: "module" | "root" };
