import { mkdir } from "node:fs/promises";
import path from "node:path";
import { runGit, gitText } from "./run-git.js";

export interface CommitSpec {
  branch: string;
  /** Parent commit (sha); none for a root commit. */
  parent: string | null;
  files: Record<string, string | Buffer | null>;
  message: string;
  executable?: string[];
  /** Path → link target, committed as symlinks (mode 120000), e.g. `{ "vars.tfvars": "/etc/passwd" }`. */
  symlinks?: Record<string, string>;
}

export interface ChangedFile {
  filename: string;
  previousFilename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed";
  sha: string | null;
  additions: number;
  deletions: number;
}

export type TreeEntry = { path: string; name: string; type: "file" | "dir" | "symlink" | "submodule"; sha: string; size: number };
export type PathContent =
  | { type: "file"; path: string; sha: string; size: number; content: Buffer }
  | { type: "dir"; entries: TreeEntry[] };

const IDENT = "Sluice Simulator <simulator@sluice.invalid>";
// Commit dates come from a fake clock so the same scenario yields the same SHAs on every run,
// which keeps golden comments that quote SHAs stable.
const CLOCK_START = 1_704_067_200;

export class GitStore {
  private clock = CLOCK_START;
  private locks = new Map<string, Promise<unknown>>();
  private packCounts = new Map<string, number>();

  constructor(readonly root: string) {}

  repoPath(owner: string, name: string): string {
    return path.join(this.root, owner, `${name}.git`);
  }

  async init(owner: string, name: string, defaultBranch: string): Promise<string> {
    const dir = this.repoPath(owner, name);
    await mkdir(path.dirname(dir), { recursive: true });
    await runGit(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, dir]);
    // GitHub lets clients fetch any reachable commit by SHA; apps rely on it for `fetch origin <sha>`.
    await runGit(["config", "uploadpack.allowAnySHA1InWant", "true"], { gitDir: dir });
    await runGit(["config", "uploadpack.allowReachableSHA1InWant", "true"], { gitDir: dir });
    return dir;
  }

  /** Serializes writes per repository: fast-import and ref updates must not interleave. */
  withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(dir) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      dir,
      next.catch(() => {}),
    );
    return next;
  }

  nextDate(): string {
    this.clock += 60;
    return `${this.clock} +0000`;
  }

  /** One fast-import run per commit: tens of thousands of files land in well under a second. */
  async commit(dir: string, spec: CommitSpec): Promise<string> {
    const ref = `refs/heads/${spec.branch}`;
    const executable = new Set(spec.executable ?? []);
    const date = this.nextDate();
    const chunks: Buffer[] = [];
    const push = (s: string | Buffer) => chunks.push(typeof s === "string" ? Buffer.from(s, "utf8") : s);
    const msg = Buffer.from(spec.message.endsWith("\n") ? spec.message : `${spec.message}\n`, "utf8");
    push(`commit ${ref}\nmark :1\nauthor ${IDENT} ${date}\ncommitter ${IDENT} ${date}\ndata ${msg.length}\n`);
    push(msg);
    push("\n");
    if (spec.parent) push(`from ${spec.parent}\n`);
    for (const [file, content] of Object.entries(spec.files)) {
      const p = quotePath(normalizePath(file));
      if (content === null) {
        push(`D ${p}\n`);
        continue;
      }
      const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      push(`M ${executable.has(file) ? "100755" : "100644"} inline ${p}\ndata ${data.length}\n`);
      push(data);
      push("\n");
    }
    for (const [file, target] of Object.entries(spec.symlinks ?? {})) {
      const data = Buffer.from(target, "utf8");
      push(`M 120000 inline ${quotePath(normalizePath(file))}\ndata ${data.length}\n`);
      push(data);
      push("\n");
    }
    push("get-mark :1\ndone\n");
    const big = Object.keys(spec.files).length > 1000;
    const args = ["-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", "--force", "--date-format=raw", "--done", "--cat-blob-fd=1"];
    const out = await runGit(args, {
      gitDir: dir,
      input: Buffer.concat(chunks),
      // glibc otherwise returns memory to the OS after each object: 84k brk calls, 5x slower on big trees.
      env: big ? { MALLOC_TOP_PAD_: String(64 * 1024 * 1024) } : {},
    });
    const sha = out.stdout.toString("utf8").trim();
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`fast-import gave no commit for ${ref}: ${sha}`);
    await this.compactPacks(dir);
    return sha;
  }

  /**
   * Every commit lands as its own small pack (exploding it into loose objects costs a second
   * process per commit). Geometric repacking keeps the pack count logarithmic at little cost.
   */
  private async compactPacks(dir: string): Promise<void> {
    const n = (this.packCounts.get(dir) ?? 0) + 1;
    this.packCounts.set(dir, n);
    if (n % 32 === 0) await runGit(["repack", "--geometric=2", "-d", "-q"], { gitDir: dir });
  }

  async resolve(dir: string, ref: string): Promise<string | null> {
    const r = await runGit(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { gitDir: dir, okCodes: [1, 128] });
    const out = r.stdout.toString("utf8").trim();
    return r.code === 0 && out ? out : null;
  }

  async branchSha(dir: string, branch: string): Promise<string | null> {
    return this.resolve(dir, `refs/heads/${branch}`);
  }

  async updateRef(dir: string, ref: string, sha: string, oldSha?: string): Promise<void> {
    await runGit(["update-ref", ref, sha, ...(oldSha ? [oldSha] : [])], { gitDir: dir });
  }

  async deleteRef(dir: string, ref: string): Promise<void> {
    await runGit(["update-ref", "-d", ref], { gitDir: dir });
  }

  /** Tree of merging head into base, or null when they conflict. */
  async mergeTree(dir: string, base: string, head: string): Promise<string | null> {
    const r = await runGit(["merge-tree", "--write-tree", "--no-messages", base, head], { gitDir: dir, okCodes: [1] });
    if (r.code === 1) return null;
    return r.stdout.toString("utf8").split("\n")[0]?.trim() || null;
  }

  async treeOf(dir: string, commit: string): Promise<string> {
    return gitText(["rev-parse", "--verify", `${commit}^{tree}`], { gitDir: dir });
  }

  /** `date`: a date already taken (a rebase merge's commits are made at once, as GitHub does). */
  async commitTree(dir: string, tree: string, parents: string[], message: string, date = this.nextDate()): Promise<string> {
    const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-m", message];
    return gitText(args, { gitDir: dir, env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
  }

  /** Commits reachable from `head` and not from `base`, oldest first (GitHub's order for a PR's commits). */
  async commitsBetween(dir: string, base: string, head: string): Promise<string[]> {
    const out = await gitText(["rev-list", "--reverse", `${base}..${head}`], { gitDir: dir });
    return out ? out.split("\n") : [];
  }

  async commitCount(dir: string, base: string, head: string): Promise<number> {
    return Number(await gitText(["rev-list", "--count", `${base}..${head}`], { gitDir: dir }));
  }

  /** What GitHub lists for a PR: the three-dot diff from the merge base. */
  async changedFiles(dir: string, base: string, head: string): Promise<ChangedFile[]> {
    const range = `${base}...${head}`;
    const [raw, numstat] = await Promise.all([
      runGit(["diff", "--raw", "-z", "-M", "--no-abbrev", range], { gitDir: dir }),
      runGit(["diff", "--numstat", "-z", "-M", range], { gitDir: dir }),
    ]);
    const counts = parseNumstat(numstat.stdout.toString("utf8"));
    return parseRaw(raw.stdout.toString("utf8")).map((f) => ({ ...f, ...(counts.get(f.filename) ?? { additions: 0, deletions: 0 }) }));
  }

  async readPath(dir: string, commit: string, filePath: string): Promise<PathContent | null> {
    const clean = normalizePath(filePath);
    if (clean === "") return { type: "dir", entries: await this.listTree(dir, commit, "") };
    const r = await runGit(["ls-tree", "-z", "-l", commit, "--", clean], { gitDir: dir });
    const entry = parseLsTree(r.stdout.toString("utf8"), "")[0];
    if (!entry || entry.path !== clean) return null;
    if (entry.type === "dir") return { type: "dir", entries: await this.listTree(dir, commit, clean) };
    const blob = await runGit(["cat-file", "blob", entry.sha], { gitDir: dir });
    return { type: "file", path: clean, sha: entry.sha, size: blob.stdout.length, content: blob.stdout };
  }

  private async listTree(dir: string, commit: string, prefix: string): Promise<TreeEntry[]> {
    const r = await runGit(["ls-tree", "-z", "-l", prefix ? `${commit}:${prefix}` : commit], { gitDir: dir });
    return parseLsTree(r.stdout.toString("utf8"), prefix);
  }
}

function normalizePath(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

function quotePath(p: string): string {
  if (!/^"|[\n\\"]/.test(p)) return p;
  return `"${p.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const STATUS: Record<string, ChangedFile["status"]> = {
  A: "added",
  D: "removed",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "changed",
};

function parseRaw(out: string): Omit<ChangedFile, "additions" | "deletions">[] {
  const parts = out.split("\0");
  const files: Omit<ChangedFile, "additions" | "deletions">[] = [];
  for (let i = 0; i < parts.length; ) {
    const meta = parts[i++];
    if (!meta?.startsWith(":")) continue;
    const [, , oldSha, newSha, code = "M"] = meta.slice(1).split(" ");
    const letter = code[0] ?? "M";
    const status = STATUS[letter] ?? "modified";
    const sha = letter === "D" ? (oldSha ?? null) : (newSha ?? null);
    if (letter === "R" || letter === "C") {
      const previousFilename = parts[i++] ?? "";
      files.push({ filename: parts[i++] ?? "", previousFilename, status, sha });
    } else {
      files.push({ filename: parts[i++] ?? "", status, sha });
    }
  }
  return files;
}

function parseNumstat(out: string): Map<string, { additions: number; deletions: number }> {
  const counts = new Map<string, { additions: number; deletions: number }>();
  const parts = out.split("\0");
  for (let i = 0; i < parts.length; ) {
    const line = parts[i++] ?? "";
    if (!line) continue;
    const [a = "0", d = "0", name = ""] = line.split("\t");
    // Renames put an empty name on the stat line, then the old and new names as separate fields.
    let filename = name;
    if (name === "") {
      i++;
      filename = parts[i++] ?? "";
    }
    counts.set(filename, { additions: a === "-" ? 0 : Number(a), deletions: d === "-" ? 0 : Number(d) });
  }
  return counts;
}

function parseLsTree(out: string, prefix: string): TreeEntry[] {
  return out
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", kind = "", sha = "", size = "-"] = line.slice(0, tab).split(/\s+/);
      const name = line.slice(tab + 1);
      const type: TreeEntry["type"] = kind === "tree" ? "dir" : kind === "commit" ? "submodule" : mode === "120000" ? "symlink" : "file";
      const full = prefix ? `${prefix}/${name}` : name;
      return { path: full, name: full.slice(full.lastIndexOf("/") + 1), type, sha, size: size === "-" ? 0 : Number(size) };
    });
}
