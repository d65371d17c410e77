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
  /** Per Terraform dir: the files its code reads (`file`, `templatefile`, `fileset`, …); absent = not read. */
  tfReads?: Map<string, TfRead[]>;
  /**
   * Dirs whose Terraform code may read a file or a dir below them, judged on the raw text: a file
   * function, a `path.` reference (however spaced), a JSON escape, a local module source into the
   * dir, a `source` not written as a plain literal, a `.tf`/`.tf.json` file not read, or a `.tofu`
   * file (not read). A module dir not in it reads nothing of its subdirs. Absent = not known.
   */
  tfMayRead?: Set<string>;
  /** Symlinks of the commit -> their link text (as written: relative or absolute); absent = none known. */
  symlinks?: Map<string, string>;
  /** Per `.hcl` file of a repo with Terragrunt units: what it includes, reads and depends on (absent = none read). */
  terragrunt?: Map<string, TgFile>;
}

/** The part of the tree Terraform discovery reads. */
export type RepoTree = Pick<ProjectTree, "files" | "tfSources" | "tfReads" | "tfMayRead">;

/**
 * A file read found in a Terraform dir's code: a path relative to the module's own dir or to the
 * root module (Terraform's working dir), `""` for the dir itself; `pattern` for `fileset`; or a
 * read whose path is computed, which could be anything under the reading dir.
 */
export type TfRead =
  | { fn: string; base: "module" | "root"; path: string; pattern?: string }
  | { fn: string; computed: true; under?: "module" | "root" };

/**
 * A path in a Terragrunt file, as far as it can be known without running Terragrunt: a literal
 * relative to the file's dir (`relative`), to the unit's dir (`${get_terragrunt_dir()}/…`), to the
 * repo root (`${get_repo_root()}/…`), to the included file's dir (`${get_parent_terragrunt_dir()}/…`),
 * the first parent dir of the unit holding `name` (`find_in_parent_folders("name")`; `beside`: a
 * path beside it, `${dirname(find_in_parent_folders("name"))}/beside`), a path outside every repo (`absolute`), a remote source
 * (`remote`), or anything else (`computed`).
 */
export type TgPath =
  | { kind: "relative" | "unit" | "repo" | "including"; path: string }
  | { kind: "parent"; name: string; beside?: string }
  | { kind: "absolute" | "remote" | "computed"; text: string };

/** A reference from a Terragrunt file to another file or dir. */
export interface TgRef {
  /** `include` (a block), `read` (a function reading a file), `dependency` (a block or `dependencies.paths`), `source` (`terraform.source`). */
  kind: "include" | "read" | "dependency" | "source";
  /** The block's label (`include "root"`, `dependency "db"`) or the function's name (`read_terragrunt_config`). */
  name?: string;
  path: TgPath;
}

/** What one Terragrunt file says, or why it could not be read (`error`). */
export interface TgFile {
  refs: TgRef[];
  error?: string;
}
