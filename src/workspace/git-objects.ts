import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitError, GitOutputCut } from "./git-error.js";
import { createRunGit } from "./run-git.js";

/**
 * Reads of a mirror's objects for big repos: a commit's file list, many files in one batch, and
 * what could make a sparse worktree too small. No worktree is involved.
 */

export interface GitObjectOptions {
  timeoutMs: number;
  redact: (s: string) => string;
  /** Where a commit's file list is written for its read (default: the OS's temp dir). */
  scratchDir?: string;
}

export interface TreeListing {
  /** Every path of the commit. */
  files: string[];
  /** The blob id of each of `files` (same index; "" for a submodule). */
  ids: string[];
  /** The paths of `files` that are symlinks (mode 120000; their blob is the link text). */
  symlinks?: string[];
}

/** Ids one `git cat-file --batch-check` is asked for. */
const CHECK_CHUNK = 20_000;
/** Bytes of blobs one `git cat-file --batch` is asked for: well under exec's capture limit. */
const READ_BYTES = 16 * 1024 * 1024;

/** A path climbing out of a dir, in a Terraform file (extended regex for `git grep -E`). */
const PARENT_PATH = String.raw`\.\./|/\.\.($|[^.])|"\.\."|dirname\(`;

/** A file function given a parent path, in any file (a template calls them too). */
const TEMPLATE_READ = String.raw`(file|dirname)[a-z0-9]*\s*\([^)]*\.\.`;

/**
 * The largest listing read (bytes; ~2.5 million files at 100 bytes a line): well under the
 * longest string Node makes (2^29 characters).
 */
const LISTING_MAX = 256 * 1024 * 1024;

/** Always on the mirror by name, with git's settings pinned (run-git.ts). */
async function git(mirror: string, args: string[], opts: GitObjectOptions, input?: string, okCodes = [0]): Promise<string> {
  return (await createRunGit(opts)(mirror, args, { input, okCodes })).stdout;
}

/**
 * Every path at `sha` and the blob id of each file: one `git ls-tree`, written to a file of its
 * own and read in one go (200,000 paths are 18 MB: relayed through the spawner they cost more
 * than git's own run).
 */
export async function listTree(mirror: string, sha: string, opts: GitObjectOptions): Promise<TreeListing> {
  const scratch = opts.scratchDir ?? tmpdir();
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(join(scratch, "listing-"));
  let out: string;
  try {
    const file = join(dir, "ls-tree");
    await createRunGit(opts)(mirror, ["ls-tree", "-r", "-z", "--full-tree", sha], { stdoutFile: file });
    const { size } = await stat(file);
    if (size > LISTING_MAX) {
      throw new GitError(
        `the commit's file list is ${Math.round(size / 2 ** 20)} MiB, more than Sluice reads (${LISTING_MAX / 2 ** 20} MiB)`,
        "",
      );
    }
    // Paths and ids, not secrets: no redaction pass over megabytes of listing.
    out = await readFile(file, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const files: string[] = [];
  const ids: string[] = [];
  const symlinks: string[] = [];
  // `<6-digit mode> <type> <id>\t<path>\0`, 200,000 times: read at offsets, no string per entry.
  for (let at = 0; at < out.length; ) {
    const end = out.indexOf("\0", at);
    const tab = out.indexOf("\t", at);
    if (end < 0 || tab < 0 || tab > end) break;
    files.push(out.slice(tab + 1, end));
    if (out.startsWith("120000", at)) symlinks.push(out.slice(tab + 1, end));
    ids.push(out.startsWith("blob ", at + 7) ? out.slice(at + 12, tab) : "");
    at = end + 1;
  }
  return { files, ids, symlinks };
}

/**
 * The files of a listed commit that `select` accepts: path -> text, in the listing's order. The
 * blobs are asked for by id (no path lookups; identical files read once): their sizes in one
 * `git cat-file --batch-check` per 20,000, then those of at most `maxBytes` in one
 * `git cat-file --batch` per 16 MB. Left out: files larger than `maxBytes` (never read, so a huge
 * blob neither fills memory nor cuts the answer short).
 */
export async function readBlobs(
  mirror: string,
  listing: TreeListing,
  select: (path: string) => boolean,
  maxBytes: number,
  opts: GitObjectOptions,
): Promise<Map<string, string>> {
  // One pass over the listing with a cheap test: a big repo has far more files than are read.
  const blobs = new Map<string, string>();
  const { files, ids: idOf } = listing;
  for (let i = 0; i < files.length; i++) {
    const id = idOf[i] as string;
    const file = files[i] as string;
    if (id !== "" && select(file)) blobs.set(file, id);
  }
  const ids = [...new Set(blobs.values())];
  const wanted: { id: string; size: number }[] = [];
  for (let i = 0; i < ids.length; i += CHECK_CHUNK) {
    const chunk = ids.slice(i, i + CHECK_CHUNK);
    const out = await git(mirror, ["cat-file", "--batch-check=%(objectname) %(objectsize)"], opts, `${chunk.join("\n")}\n`);
    for (const line of out.split("\n")) {
      const [id = "", size] = line.split(" ");
      if (size !== undefined && Number(size) <= maxBytes) wanted.push({ id, size: Number(size) });
    }
  }
  const byId = await blobTexts(mirror, wanted, opts);
  const texts = new Map<string, string>();
  for (const [path, id] of blobs) {
    const text = byId.get(id);
    if (text !== undefined) texts.set(path, text);
  }
  return texts;
}

/** The texts of these blobs (id -> text), in one `git cat-file --batch` per 16 MB. */
async function blobTexts(
  mirror: string,
  wanted: readonly { id: string; size: number }[],
  opts: GitObjectOptions,
): Promise<Map<string, string>> {
  const byId = new Map<string, string>();
  for (let i = 0; i < wanted.length; ) {
    const group: string[] = [];
    for (let bytes = 0; i < wanted.length && (group.length === 0 || bytes + (wanted[i]?.size ?? 0) <= READ_BYTES); i++) {
      bytes += wanted[i]?.size ?? 0;
      group.push(wanted[i]?.id ?? "");
    }
    // Each answer starts with a mark no file can hold by chance: sizes are not needed to split.
    const mark = randomBytes(12).toString("hex");
    const out = await git(mirror, ["cat-file", `--batch=${mark} %(objectname)`], opts, `${group.join("\n")}\n`);
    const answers = `\n${out}`.split(`\n${mark} `).slice(1);
    if (answers.length !== group.length) throw new GitError(`git cat-file answered ${answers.length} of ${group.length} blobs`, "");
    answers.forEach((answer, k) => {
      const eol = answer.indexOf("\n");
      if (eol < 0) return;
      // git ends every answer with a line feed; the split took all but the last one's.
      byId.set(answer.slice(0, eol), answer.slice(eol + 1, k === answers.length - 1 ? -1 : undefined));
    });
  }
  return byId;
}

/** What is at one `commit:path` of a mirror: a file's text, nothing, or why it is not read. */
export type PathAt = { text: string } | { missing: true } | { type: string } | { tooLarge: number };

/**
 * Several `commit:path` reads (config files, CODEOWNERS) in one `git cat-file --batch-check` and,
 * when any is a file of at most `maxBytes`, one `git cat-file --batch`: a run or two instead of one
 * or two per path. A symlink yields its link text (it is a blob); a dir or submodule its type.
 */
export async function readPaths(
  mirror: string,
  reads: readonly { sha: string; path: string }[],
  maxBytes: number,
  opts: GitObjectOptions,
): Promise<PathAt[]> {
  const specs = reads.map(({ sha, path }) => {
    // Batch input is line by line; the callers' paths are fixed names (repo_config_file is checked).
    if (/[\n\r]/.test(path)) throw new GitError(`a path with a line break cannot be read from git: ${JSON.stringify(path)}`, "");
    return `${sha}:${path}`;
  });
  if (specs.length === 0) return [];
  // `sha:path` answers "missing" for a commit the mirror lacks as for a path the commit lacks: a
  // trusted config read at a commit not fetched yet would read as none (the server's defaults).
  // Each commit is asked for in the same batch, and one the mirror lacks is an error.
  const commits = [...new Set(reads.map((r) => r.sha))];
  const input = [...specs, ...commits.map((sha) => `${sha}^{commit}`)];
  const check = await git(mirror, ["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"], opts, `${input.join("\n")}\n`);
  const lines = check.split("\n");
  const absent = commits.filter((_sha, i) => !(lines[specs.length + i] ?? "").includes(" commit "));
  if (absent.length) {
    throw new GitError(`${absent.map((sha) => sha.slice(0, 12)).join(", ")} not in this server's copy of the repository (not fetched)`, "");
  }
  // Each answer line once: the blobs to read (id and size), or what the path holds instead.
  const answers = specs.map((spec, i): PathAt | { id: string; size: number } => {
    const line = lines[i] ?? "";
    if (line === `${spec} missing` || line === `${spec} ambiguous`) return { missing: true };
    const [id = "", type = "", size = ""] = line.split(" ");
    if (type !== "blob") return type ? { type } : { missing: true };
    return Number(size) > maxBytes ? { tooLarge: Number(size) } : { id, size: Number(size) };
  });
  // An unchanged config is the same blob at head and base: read once.
  const blobs = new Map(answers.flatMap((a) => ("id" in a ? [[a.id, a] as const] : [])));
  const texts = blobs.size ? await blobTexts(mirror, [...blobs.values()], opts) : new Map<string, string>();
  return answers.map((a) => {
    if (!("id" in a)) return a;
    const text = texts.get(a.id);
    return text === undefined ? { missing: true } : { text };
  });
}

/**
 * Why a plan in these dirs (root = `.`: the root's own files) might read a file outside them,
 * or undefined: a symlink or submodule in them, or a parent path in a Terraform (OpenTofu's `.tofu`
 * too) or tfvars file other than on the `source` line of a module the tree read found in that dir (`moduleSources`,
 * dir -> local sources; whose dirs the worktree gets): `file("../x")`, `"${path.module}/.."`,
 * `dirname(path.module)`, a backend path, a file provisioner's `source`; `merge(list...)` is no
 * path. One `git ls-tree` (none with the commit's `listing`) and two `git grep`s over the packed
 * objects, limited to the dirs.
 */
export async function sparseHazards(
  mirror: string,
  sha: string,
  dirs: readonly string[],
  moduleSources: ReadonlyMap<string, readonly string[]>,
  opts: GitObjectOptions,
  /** Those of `dirs` written without their subdirs: only their own files are looked at. */
  shallow: readonly string[] = [],
  /** The commit's whole listing, when one is at hand: its links are looked at instead of listing the dirs again. */
  listing?: TreeListing,
): Promise<string | undefined> {
  const filesOnly = new Set(shallow);
  const below = dirs.filter((d) => d !== ".");
  // Literal: a dir named `:x` is not pathspec magic for `x`.
  const literal = below.map((d) => `:(top,literal)${d}`);
  // Root: only the root's own files (cone mode writes those), as for a shallow dir; a dir:
  // everything below it.
  const inDir = (d: string) => (d === "." ? "" : filesOnly.has(d) ? `${d}/` : `${d}/**/`);
  const specs = dirs.flatMap((d) =>
    ["*.tf", "*.tf.json", "*.tofu", "*.tofu.json", "*.tfvars", "*.tfvars.json"].map((ext) => `:(top,glob)${inDir(d)}${ext}`),
  );
  // A template (any name) may call file functions too: `${file("../x")}` in a templatefile() template.
  const every = dirs.map((d) => `:(top,glob)${inDir(d)}*`);
  const deep = new Set(below.filter((d) => !filesOnly.has(d)));
  // What the worktree gets of the listed entries: those directly in a shallow dir, or below a dir
  // written whole (each entry's ancestors looked up).
  const written = (entry: string) => {
    const path = entry.slice(entry.indexOf("\t") + 1);
    let at = path.lastIndexOf("/");
    if (filesOnly.has(at < 0 ? "." : path.slice(0, at))) return true;
    for (; at > 0; at = path.lastIndexOf("/", at - 1)) if (deep.has(path.slice(0, at))) return true;
    return false;
  };
  // Four reads of the commit that do not depend on each other: side by side, judged in order.
  // Exit 1 of a grep: nothing matched.
  const reads = Promise.all([
    listing ? "" : below.length ? git(mirror, ["ls-tree", "-r", "-z", "--full-tree", sha, "--", ...literal], opts) : "",
    // The root's own files only (its dirs are not written unless named).
    listing ? "" : dirs.includes(".") ? git(mirror, ["ls-tree", "-z", "--full-tree", sha], opts) : "",
    git(mirror, ["grep", "-z", "-a", "-E", PARENT_PATH, sha, "--", ...specs], opts, undefined, [0, 1]),
    git(mirror, ["grep", "-z", "-a", "-E", TEMPLATE_READ, sha, "--", ...every], opts, undefined, [0, 1]),
  ]);
  // Part of a listing would pass for all of it (a symlink past the cut unseen): too much to check.
  const read = await reads.catch((e: unknown) => {
    if (e instanceof GitOutputCut) return undefined;
    throw e;
  });
  if (read === undefined) return "the dirs hold more files, or more parent paths, than Sluice checks one by one";
  const [deepEntries, rootEntries, parentReads, templateReads] = read;
  const linked = listing ? linksOf(listing, below, dirs.includes(".")) : { deep: splitZ(deepEntries), root: splitZ(rootEntries) };
  for (const entry of [...(filesOnly.size ? linked.deep.filter(written) : linked.deep), ...linked.root]) {
    const [meta = "", path = ""] = entry.split("\t", 2);
    const mode = meta.split(" ")[0];
    if (mode === "120000") return `\`${path}\` is a symlink`;
    if (mode === "160000") return `\`${path}\` is a submodule`;
  }
  for (const line of parentReads.split("\n")) {
    if (line === "") continue;
    const [file = "", text = ""] = line.split("\0", 2);
    const path = file.slice(sha.length + 1);
    // Any block may have a `source` (a file provisioner's, a provider's upload): only a module's counts.
    const source = /^\s*"?source"?\s*[=:]\s*"([^"]*)"\s*,?\s*((#|\/\/).*)?$/.exec(text)?.[1];
    const slash = path.lastIndexOf("/");
    if (source !== undefined && moduleSources.get(slash < 0 ? "." : path.slice(0, slash))?.includes(source)) continue;
    return `\`${path}\` may read a file outside its dir (\`${text.trim().slice(0, 80)}\`)`;
  }
  const first = templateReads.split("\n").find((line) => line !== "");
  if (first !== undefined) {
    const [file = "", text = ""] = first.split("\0", 2);
    return `\`${file.slice(sha.length + 1)}\` may read a file outside its dir (\`${text.trim().slice(0, 80)}\`)`;
  }
  return undefined;
}

/**
 * The symlinks and submodules of a whole listing as `ls-tree` lists them (mode, a tab, the path;
 * in its order): those at or under one of `below`, and with `root`, those of the root's own.
 */
function linksOf(listing: TreeListing, below: readonly string[], root: boolean): { deep: string[]; root: string[] } {
  const links = new Set(listing.symlinks ?? []);
  const deep: string[] = [];
  const top: string[] = [];
  listing.files.forEach((path, i) => {
    // A listing's id is empty for a submodule (a commit, not a blob).
    const mode = links.has(path) ? "120000" : listing.ids[i] === "" ? "160000" : undefined;
    if (mode === undefined) return;
    const entry = `${mode} -\t${path}`;
    if (below.some((d) => path === d || path.startsWith(`${d}/`))) deep.push(entry);
    if (root && !path.includes("/")) top.push(entry);
  });
  return { deep, root: top };
}

function splitZ(out: string): string[] {
  return out.split("\0").filter((s) => s.length > 0);
}
