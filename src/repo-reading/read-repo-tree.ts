import { posix } from "node:path";
import { localChartDependencies } from "../../runners/helm/chart-dependencies.js";
import { kustomizationRefs } from "../../runners/kustomize/detect-kustomize-projects.js";
import { KUSTOMIZATION_FILES } from "../../runners/kustomize/kustomize-settings.js";
import { findModuleSources } from "../../runners/terraform/discover-terraform-projects.js";
import { findFileReads } from "../../runners/terraform/find-file-reads.js";
import { findModuleSourcesInJson } from "../../runners/terraform/find-module-sources.js";
import { UNIT_FILE } from "../../runners/terragrunt/discover-terragrunt-units.js";
import { isTerragruntConfigFile, readTerragruntFiles } from "../../runners/terragrunt/read-terragrunt-files.js";
import type { TfRead } from "../model/project-tree.js";
import type { RepoRef } from "../model/repo.js";
import type { ProjectTree } from "../projects/resolve-projects.js";
import type { Workspace } from "../workspace/workspace.js";

/**
 * A local module source is a string starting `./` or `../` after `source =` (HCL) or
 * `"source": ` (JSON): a cheap test before lexing.
 */
const MAY_HAVE_LOCAL_SOURCE = /source(?:[^"]*|"\s*:\s*)"\.{1,2}\//;
/** A file read (`file(`, `templatefile(`, `fileset(`, a `path.module` path): the same kind of test. */
const MAY_READ_FILES = /\bfile[a-z0-9]*\s*\(|\btemplatefile\s*\(|\bpath\.(?:module|root|cwd)\b/;
/**
 * `path` and then `.`, however HCL lets them be spaced or commented (`path. module`,
 * `path /* c *\/ .module`): a reference to a dir this module may read below. Raw text, not the
 * lexer's tokens: a construct the lexer does not follow must not hide it.
 */
const PATH_REF = /\bpath(?:\s|\/\*[\s\S]*?\*\/|(?:#|\/\/)[^\n]*\n)*\./;
/**
 * A `source` written as a plain quoted literal on the same line, with no escape or template: its
 * value is read as written (a local one is then checked for reaching below the file's dir).
 */
const SOURCE_LITERAL = /\bsource[ \t]*=[ \t]*"([^"\\$%{\n]*)"|"source"\s*:\s*"([^"\\]*)"/g;
/** Files lexed between yields to the event loop, so webhooks are still answered promptly. */
const BATCH = 256;

// Called for each of a big repo's 200,000 paths: a cheap suffix test before the name is cut out.
const isKustomization = (f: string) =>
  /ustomization(\.ya?ml)?$/.test(f) && (KUSTOMIZATION_FILES as readonly string[]).includes(f.slice(f.lastIndexOf("/") + 1));
const isChart = (f: string) => f === "Chart.yaml" || f.endsWith("/Chart.yaml");
const isTerraform = (f: string) => (f.endsWith(".tf") || f.endsWith(".tf.json")) && !/(^|\/)\.terraform\//.test(f);

/** Reads the files of one commit that `select` accepts: path -> text; a file left out contributes nothing. */
export type ReadFiles = (select: (path: string) => boolean) => Promise<ReadonlyMap<string, string>>;

/**
 * Builds the pure ProjectTree of one commit: the file list, local module sources and file reads
 * per dir, the local references of each kustomization, each chart's `file://` dependencies, and
 * what each Terragrunt file includes, reads and depends on.
 * The files come from `read` (git objects, so a sparse checkout need not hold them, and a symlink
 * yields its link text, never a server file).
 */
export async function readRepoTree(read: ReadFiles, files: string[]): Promise<ProjectTree> {
  // Terragrunt's `.hcl` files are read only in a repo with at least one unit.
  const terragrunt = files.some((f) => f === UNIT_FILE || f.endsWith(`/${UNIT_FILE}`));
  const texts = await read((f) => isTerraform(f) || isKustomization(f) || isChart(f) || (terragrunt && isTerragruntConfigFile(f)));
  const tfFiles = [...texts.keys()].filter(isTerraform);
  const kustomizations = files.filter(isKustomization);
  const tfSources = new Map<string, string[]>();
  const tfReads = new Map<string, TfRead[]>();
  const tfMayRead = unreadTerraformDirs(files, texts);
  await inBatches(tfFiles, (f) => {
    const text = texts.get(f) ?? "";
    const dir = posix.dirname(f);
    const mayRead = MAY_READ_FILES.test(text);
    if (mayRead || mayReachBelow(text, f.endsWith(".json"), dir)) tfMayRead.add(dir);
    // Lexing is the costly part: only files that can hold one are lexed.
    if (mayRead && !f.endsWith(".json")) {
      const reads = findFileReads(text);
      if (reads.length > 0) tfReads.set(dir, [...(tfReads.get(dir) ?? []), ...reads]);
    }
    if (!MAY_HAVE_LOCAL_SOURCE.test(text)) return;
    const sources = f.endsWith(".json") ? findModuleSourcesInJson(text) : findModuleSources(text);
    if (sources.length === 0) return;
    const list = tfSources.get(dir) ?? [];
    list.push(...sources);
    tfSources.set(dir, list);
  });
  const kustomizeRefs = new Map<string, string[]>();
  await inBatches(kustomizations, (f) => {
    kustomizeRefs.set(posix.dirname(f), kustomizationRefs(texts.get(f) ?? ""));
  });
  const chartRefs = new Map<string, string[]>();
  for (const f of files.filter(isChart)) {
    const refs = localChartDependencies(texts.get(f) ?? "");
    if (refs.length > 0) chartRefs.set(posix.dirname(f), refs);
  }
  const tree: ProjectTree = { files, tfSources, kustomizeRefs, tfReads, tfMayRead, chartRefs };
  if (terragrunt) {
    const hcl = new Map([...texts].filter(([f]) => isTerragruntConfigFile(f)));
    tree.terragrunt = await readTerragruntFiles(hcl);
  }
  return tree;
}

/** readRepoTree of a commit in the repo's mirror. */
export async function readRepoTreeAt(
  workspace: Pick<Workspace, "readFilesAt" | "symlinksAt">,
  repo: RepoRef,
  sha: string,
  files: string[],
): Promise<ProjectTree> {
  const [tree, symlinks] = await Promise.all([
    readRepoTree((select) => workspace.readFilesAt(repo, sha, select), files),
    workspace.symlinksAt?.(repo, sha),
  ]);
  if (symlinks?.size) tree.symlinks = symlinks;
  return tree;
}

/**
 * Whether a Terraform file's text may reach a dir below its own (`dir`), judged on the raw text so
 * that nothing the lexers misread can hide it: a `path.…` reference, a JSON escape, a local
 * module source leading below `dir`, or any other `source` (a word anywhere, a comment's too)
 * that is not a plain literal, such as an expression OpenTofu evaluates or one with a comment in it.
 */
function mayReachBelow(text: string, json: boolean, dir: string): boolean {
  if (PATH_REF.test(text) || (json && text.includes("\\u"))) return true;
  const words = text.match(/\bsource\b/g)?.length ?? 0;
  if (words === 0) return false;
  let plain = 0;
  for (const m of text.matchAll(SOURCE_LITERAL)) {
    const value = m[1] ?? m[2] ?? "";
    if (value.startsWith(".") && leadsBelow(dir, value)) return true;
    plain++;
  }
  return plain !== words;
}

/** Whether a local source (`./sub`, `../m/sub`, `..//x`) names `dir` or a dir below it. */
function leadsBelow(dir: string, source: string): boolean {
  const to = posix.normalize(posix.join(dir, source));
  return dir === "." || to === dir || to.startsWith(`${dir}/`);
}

/** Dirs with Terraform code this read did not look at: a file too large to read, OpenTofu's own `.tofu` files. */
function unreadTerraformDirs(files: readonly string[], texts: ReadonlyMap<string, string>): Set<string> {
  const dirs = new Set<string>();
  for (const f of files) {
    if (f.endsWith(".tofu") || f.endsWith(".tofu.json") || (isTerraform(f) && !texts.has(f))) dirs.add(posix.dirname(f));
  }
  return dirs;
}

async function inBatches<T>(items: T[], each: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    for (const item of items.slice(i, i + BATCH)) each(item);
    await new Promise((r) => setImmediate(r));
  }
}
