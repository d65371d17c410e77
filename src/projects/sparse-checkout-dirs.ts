import { isLocalSource } from "../../runners/terraform/find-module-sources.js";
import type { Project } from "../model/project.js";
import type { RepoTree } from "../model/project-tree.js";
import { cleanRepoPath, compareStrings } from "../util/repo-path.js";
import { localClosure } from "../util/local-closure.js";

/**
 * What a job's worktree must hold: some dirs (plus the root's files), or every file and why.
 * `shallow`: those of `dirs` of which only the files directly in them are needed.
 */
export type CheckoutScope = { sparse: true; dirs: string[]; shallow?: string[] } | { sparse: false; reason: string };

/**
 * Dirs that would take more argv than this get every file: the hazard check names each dir in
 * six pathspecs (some 30 bytes more each) of one git command, which must stay under the kernel's
 * 2 MB limit (E2BIG); and so many projects are most of a repo anyway.
 */
export const MAX_SPARSE_ARGV_BYTES = 1_000_000;

/** What a dir adds to the hazard check's argv (see MAX_SPARSE_ARGV_BYTES). */
export const argvBytesOf = (dir: string) => 6 * (Buffer.byteLength(dir) + 30);

/** Runners whose every input is known from the tree: the project dir and its local module dirs. */
const SPARSE_RUNNERS: ReadonlySet<string> = new Set(["terraform", "opentofu"]);

/**
 * The dirs plans of `projects` read: each project's dir and the local module dirs it uses,
 * through modules using modules. Anything else gets every file: a helm or kustomize project
 * (values files, patches and generators may name any path), or a module source leading out of
 * the repo root (the tool reports that itself, with the whole tree present as before).
 */
export function sparseCheckoutDirs(tree: Pick<RepoTree, "tfSources" | "tfMayRead">, projects: readonly Project[]): CheckoutScope {
  const other = projects.find((p) => !SPARSE_RUNNERS.has(p.runner));
  if (other) return { sparse: false, reason: `${other.runner} project ${other.name} may read files outside its dir` };
  const sourcesOf = new Map<string, string[]>();
  for (const [raw, sources] of tree.tfSources) {
    const dir = cleanRepoPath(raw);
    if (dir !== undefined) sourcesOf.set(dir, [...(sourcesOf.get(dir) ?? []), ...sources]);
  }
  const starts: string[] = [];
  for (const p of projects) {
    const dir = cleanRepoPath(p.dir);
    if (dir === undefined) return { sparse: false, reason: `project dir ${p.dir} is not a clean repo path` };
    starts.push(dir);
  }
  const { paths: dirs, escaping } = localClosure(starts, (dir) => (sourcesOf.get(dir) ?? []).filter(isLocalSource));
  const out = escaping[0];
  if (out) return { sparse: false, reason: `module source ${out.ref} in ${out.dir} leads outside the repository` };
  let bytes = 0;
  for (const d of dirs) bytes += argvBytesOf(d);
  if (bytes > MAX_SPARSE_ARGV_BYTES) return { sparse: false, reason: `${dirs.size} dirs, more than a sparse worktree takes` };
  // `git sparse-checkout add` refuses these in cone mode (the job would fail), and its file is line-based.
  const odd = [...dirs].find((d) => /[*?[\]\\\p{Cc}]/u.test(d));
  if (odd !== undefined) return { sparse: false, reason: `dir ${JSON.stringify(odd)} has a character git's cone mode does not take` };
  const shallow = shallowModuleDirs(tree, starts, dirs);
  return { sparse: true, dirs: [...dirs].sort(compareStrings), ...(shallow.length ? { shallow } : {}) };
}

/**
 * The local module dirs whose subdirs no plan reads. Terraform loads a module from the files
 * directly in its dir; only its own code can reach below it (a `path.module` read, a `./sub`
 * module: `tfMayRead` says which dirs may), since every relative path is Terraform's working
 * dir's, the project's, which is written whole. A module's `examples/` and `test/` dirs are most
 * of its files. Not when a project is the repo root: its relative paths reach any dir.
 */
function shallowModuleDirs(tree: Pick<RepoTree, "tfMayRead">, starts: readonly string[], dirs: ReadonlySet<string>): string[] {
  const mayRead = tree.tfMayRead;
  if (mayRead === undefined || starts.includes(".")) return [];
  const projectDirs = new Set(starts);
  return [...dirs].filter((d) => !projectDirs.has(d) && !mayRead.has(d)).sort(compareStrings);
}
