import picomatch from "picomatch";
import type { Project } from "../../src/model/project.js";
import type { TfRead } from "../../src/model/project-tree.js";
import { cleanRepoPath, compareStrings, isIgnoredPath, parentDir, resolveFrom } from "../../src/util/repo-path.js";
import { withinTime } from "../../src/util/within-time.js";
import { type DiscoveredProjects, discoverTerraformProjects, type RepoTree } from "./discover-terraform-projects.js";

/** Files Terraform reads from every dir of a configuration (root or module). */
const CONFIG_FILE = /\.(?:tf|tf\.json|tofu|tofu\.json)$/;
/** Files Terraform (or a workflow's `-var-file`) reads from the root module's dir only. */
const ROOT_FILE = /(?:^|\/)(?:\.terraform\.lock\.hcl|[^/]*\.tfvars|[^/]*\.tfvars\.json)$/;

const MAX_REASONS = 4;
/** Far more than matching a large monorepo's file reads takes (milliseconds). */
const READS_MS = 5000;

/** A read of one Terraform dir, resolved to repo paths where it can be. */
interface ReadSpec {
  fn: string;
  /** The read's path (a file, or a dir: everything under it counts); undefined = outside the repo. */
  path?: string;
  /** `fileset`: the files under `path` matching it. */
  match?: (relative: string) => boolean;
  /** A computed path: everything under these dirs counts. */
  computed?: string[];
}

/**
 * The projects a change touches, each once, with why (`Project.why`), sorted by dir (then
 * workspace, name). A project plans when a changed file is one Terraform reads for it: a
 * configuration file (`.tf`, `.tf.json`, `.tofu`, `.tofu.json`) of its dir or of a local module it
 * uses, through modules using modules; its dir's lock file or var files; or a file its code, or a
 * module's, reads (`file`, `templatefile`, `fileset`, a `${path.module}/…` path; see
 * find-file-reads.ts) wherever it lives. A read whose path is computed counts the reading dir's
 * whole tree, and says so. Anything else (a README, a CHANGELOG, CI files, tfvars in a subfolder)
 * plans nothing.
 */
export function affectedProjects(
  tree: RepoTree,
  changedFiles: string[],
  discovered: DiscoveredProjects = discoverTerraformProjects(tree),
): Project[] {
  const projectsByDir = new Map<string, Project[]>();
  for (const project of discovered.projects) {
    const list = projectsByDir.get(project.dir) ?? [];
    list.push(project);
    projectsByDir.set(project.dir, list);
  }
  const { modules } = discovered;
  const isTfDir = (dir: string) => projectsByDir.has(dir) || modules.has(dir);

  const files: string[] = [];
  for (const raw of changedFiles) {
    const file = cleanRepoPath(raw);
    if (file !== undefined && file !== "." && !isIgnoredPath(file)) files.push(file);
  }
  if (files.length === 0) return [];

  const reasons = new Map<string, string[]>();
  const add = (projectDir: string, reason: string) => {
    const list = reasons.get(projectDir) ?? [];
    if (!list.includes(reason)) list.push(reason);
    reasons.set(projectDir, list);
  };
  const rootsOf = memo((dir: string) => rootsUsing(dir, modules, projectsByDir));

  for (const file of files) {
    const dir = parentDir(file);
    if (CONFIG_FILE.test(file) && isTfDir(dir)) {
      if (projectsByDir.has(dir)) add(dir, `\`${file}\``);
      if (modules.has(dir)) for (const root of rootsOf(dir)) add(root, `\`${file}\`, in module \`${dir}\``);
    } else if (ROOT_FILE.test(file) && projectsByDir.has(dir)) {
      add(dir, `\`${file}\``);
    }
  }

  // `fileset` patterns come from the PR's code and file names from its changes: picomatch's
  // backtracking regexp can take hours over them (`*a*a*…*b` against a long name), in the job
  // thread that runs every job. The whole match gets a time limit; past it the job says why.
  const matched = withinTime(() => {
    for (const [rawDir, reads] of tree.tfReads ?? []) {
      const dir = cleanRepoPath(rawDir);
      if (dir === undefined || !isTfDir(dir)) continue;
      const reader = projectsByDir.has(dir) ? "the project" : `module \`${dir}\``;
      const roots = projectsByDir.has(dir) ? [dir] : rootsOf(dir);
      for (const read of reads) {
        // Relative to the module's dir: one resolution for every root; relative to the root (or
        // computed, maybe relative to it): one per root.
        const perRoot = "base" in read ? read.base === "root" : read.under !== "module";
        for (const root of perRoot ? roots : [undefined]) {
          const spec = resolveRead(read, dir, root ?? dir);
          for (const file of files) {
            const hit = matchRead(spec, file);
            if (hit === undefined) continue;
            for (const r of root === undefined ? roots : [root]) add(r, `\`${file}\`, ${hit(reader)}`);
          }
        }
      }
    }
  }, READS_MS);
  if (matched === undefined) {
    throw new Error(
      `the files Terraform code reads (\`fileset\`, \`file\`, …) took longer than ${READS_MS / 1000} s to match the changed files: a \`fileset\` pattern with many \`*\` backtracks on a long name; write it with fewer wildcards`,
    );
  }

  return [...reasons.keys()]
    .sort(compareStrings)
    .flatMap((dir) => (projectsByDir.get(dir) ?? []).map((p) => ({ ...p, why: capped(reasons.get(dir) ?? []) })))
    .sort((a, b) => compareStrings(a.dir, b.dir) || compareStrings(a.workspace, b.workspace) || compareStrings(a.name, b.name));
}

function resolveRead(read: TfRead, dir: string, root: string): ReadSpec {
  if ("computed" in read) {
    const trees = read.under === "module" ? [dir] : read.under === "root" ? [root] : [...new Set([dir, root])];
    return { fn: read.fn, computed: trees };
  }
  const path = resolveFrom(read.base === "module" ? dir : root, read.path === "" ? "." : read.path);
  if (read.pattern === undefined) return { fn: read.fn, path };
  return { fn: read.fn, path, match: picomatch(read.pattern, { dot: false }) };
}

/** How `spec` reads `file`, as the end of a why-line; undefined when it does not. */
function matchRead(spec: ReadSpec, file: string): ((reader: string) => string) | undefined {
  if (spec.computed) {
    const tree = spec.computed.find((t) => t === "." || file.startsWith(`${t}/`));
    if (tree === undefined) return undefined;
    return (reader) => `under \`${tree}\`, which \`${spec.fn}\` in ${reader} may read (a computed path)`;
  }
  const path = spec.path;
  if (path === undefined) return undefined;
  const under = path === "." ? file : file.startsWith(`${path}/`) ? file.slice(path.length + 1) : undefined;
  if (spec.match) {
    if (under === undefined || !spec.match(under)) return undefined;
    return (reader) => `read by ${reader} (\`${spec.fn}\`)`;
  }
  if (file !== path && under === undefined) return undefined;
  return (reader) => `read by ${reader} (\`${spec.fn}\`)`;
}

/** The project dirs that use `module`, directly or through other modules (cycles end). */
function rootsUsing(module: string, modules: ReadonlyMap<string, ReadonlySet<string>>, projects: ReadonlyMap<string, unknown>): string[] {
  const roots = new Set<string>();
  const seen = new Set([module]);
  const queue = [module];
  for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
    for (const user of modules.get(dir) ?? []) {
      if (projects.has(user)) roots.add(user);
      if (modules.has(user) && !seen.has(user)) {
        seen.add(user);
        queue.push(user);
      }
    }
  }
  return [...roots];
}

function capped(reasons: string[]): string[] {
  if (reasons.length <= MAX_REASONS) return reasons;
  const more = reasons.length - MAX_REASONS;
  return [...reasons.slice(0, MAX_REASONS), `${more} more ${more === 1 ? "reason" : "reasons"}`];
}

function memo<T>(fn: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(key);
      cache.set(key, value);
    }
    return value;
  };
}
