import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RepoRef } from "../../src/model/repo.js";
import { listTree, sparseHazards } from "../../src/workspace/git-objects.js";
import { GitWorkspace } from "../../src/workspace/git-workspace.js";

// The git adapter's side of sparse checkouts: files read from git objects in one batch, and
// worktrees that hold some dirs and grow on request; each checkout is a new one.

const repo: RepoRef = { owner: "acme", name: "mono" };
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@localhost",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@localhost",
};
const git = (cwd: string, args: string[]) => execFileSync("git", args, { cwd, env, encoding: "utf8" }).trim();

let root: string;
let src: string;
let ws: GitWorkspace;
let first: string;
let second: string;
let third: string;

function write(files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  git(src, ["add", "-A"]);
  git(src, ["commit", "-q", "-m", "c"]);
  return git(src, ["rev-parse", "HEAD"]);
}

function onDisk(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      if (e.isDirectory()) walk(join(d, e.name));
      else found.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return found.sort();
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "sluice-sparse-ws-"));
  src = join(root, "src");
  mkdirSync(src);
  git(src, ["init", "-q", "-b", "main"]);
  first = write({
    "README.md": "# mono\n",
    "a/main.tf": 'module "m" {\n  source = "../m"\n}\n',
    "a/same.tf": "same\n",
    "b/same.tf": "same\n",
    "b/empty.tf": "",
    "b/with space.tf": "spaced\n",
    "b/big.tf": "x".repeat(2048),
    "m/main.tf": "# module\n",
    "c/deep/x.txt": "x\n",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's own interpolation
    "d/main.tf": 'locals {\n  x = file("${path.module}/../m/main.tf")\n}\n',
    "e/main.tf": 'module "m" {\n  source = "../m"\n}\nlocals {\n  x = merge(local.maps...)\n}\n',
    "f/terraform.tfvars": 'policy = "../policies/p.json"\n',
    // A NUL byte makes git take the file for binary.
    "h/main.tf": '# \0\nlocals {\n  x = file("../m/main.tf")\n}\n',
    // OpenTofu reads .tofu files beside .tf ones.
    "i/main.tf": "# tofu reads main.tofu\n",
    "i/main.tofu": 'locals {\n  x = file("../m/main.tf")\n}\n',
    "j/main.tf": 'module "m" {\n  source = "../m" # the shared one\n}\n',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's own interpolation
    "k/main.tf": 'output "x" {\n  value = templatefile("${path.module}/t.tpl", {})\n}\n',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template's own interpolation
    "k/t.tpl": '${file("../m/main.tf")}\n',
    // A `source` that is no module's: a file provisioner reads it.
    "g/main.tf":
      'resource "terraform_data" "x" {\n  provisioner "file" {\n    source      = "../secret.txt"\n    destination = "/tmp/x"\n  }\n}\n',
  });
  symlinkSync("/etc/passwd", join(src, "b", "link.tf"));
  // A module whose examples a shallow worktree leaves out: a symlink, a parent path, a template's read.
  mkdirSync(join(src, "n", "examples"), { recursive: true });
  writeFileSync(join(src, "n", "main.tf"), "# module\n");
  writeFileSync(join(src, "n", "examples", "main.tf"), 'locals {\n  x = file("../../secret.txt")\n}\n');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template's own interpolation
  writeFileSync(join(src, "n", "examples", "t.tpl"), '${file("../x")}\n');
  symlinkSync("/etc/passwd", join(src, "n", "examples", "link.tf"));
  // A dir name git would take for pathspec magic (`:name` = `name` from the top).
  mkdirSync(join(src, ":x"));
  symlinkSync("../README.md", join(src, ":x", "link.tf"));
  second = write({ "c/deep/x.txt": "y\n" });
  // A symlink among the root's own files and a submodule in a dir (a gitlink: no .gitmodules needed).
  symlinkSync("README.md", join(src, "top-link.tf"));
  mkdirSync(join(src, "s"));
  writeFileSync(join(src, "s", "main.tf"), "# beside a submodule\n");
  git(src, ["add", "-A"]);
  // After the add: `add -A` would take the gitlink, which has no dir on disk, for deleted.
  git(src, ["update-index", "--add", "--cacheinfo", `160000,${first},s/sub/mod`]);
  git(src, ["commit", "-q", "-m", "c"]);
  third = git(src, ["rev-parse", "HEAD"]);
  ws = new GitWorkspace(join(root, "data"));
  mkdirSync(dirname(ws.mirrorDir(repo)), { recursive: true });
  execFileSync("git", ["clone", "-q", "--bare", src, ws.mirrorDir(repo)], { env });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const request = (pr: number, sha: string, sparse: boolean) => ({
  repo,
  cloneUrl: src,
  token: "unused",
  pr,
  headSha: sha,
  baseSha: sha,
  baseRef: "main",
  sparse,
});

describe("readFilesAt", () => {
  it("reads many files in one go: empty and identical files, spaces, symlinks as their link text; too large or missing left out", async () => {
    const wanted = new Set(["a/same.tf", "b/same.tf", "b/empty.tf", "b/with space.tf", "b/link.tf", "b/big.tf", "nope.tf", "a/main.tf"]);
    const texts = await ws.readFilesAt(repo, second, (p) => wanted.has(p), 1024);
    expect(Object.fromEntries(texts)).toEqual({
      "a/same.tf": "same\n",
      "b/same.tf": "same\n",
      "b/empty.tf": "",
      "b/with space.tf": "spaced\n",
      "b/link.tf": "/etc/passwd",
      "a/main.tf": 'module "m" {\n  source = "../m"\n}\n',
    });
  });

  it("reads a commit's own files, not another's", async () => {
    const x = (p: string) => p === "c/deep/x.txt";
    expect(Object.fromEntries(await ws.readFilesAt(repo, first, x))).toEqual({ "c/deep/x.txt": "x\n" });
    expect(Object.fromEntries(await ws.readFilesAt(repo, second, x))).toEqual({ "c/deep/x.txt": "y\n" });
  });
});

describe("readFilesAtPaths", () => {
  it("reads files at several commits in one go: texts in order, a symlink's link text, undefined for what is missing", async () => {
    const texts = await ws.readFilesAtPaths(repo, [
      { sha: second, path: "c/deep/x.txt" },
      { sha: first, path: "c/deep/x.txt" },
      { sha: second, path: "nope.yaml" },
      { sha: second, path: "b/link.tf" },
      { sha: second, path: "b/same.tf" },
      { sha: first, path: "b/empty.tf" },
    ]);
    expect(texts).toEqual(["y\n", "x\n", undefined, "/etc/passwd", "same\n", ""]);
  });

  it("refuses a file over the limit unread and a dir where a file is expected, naming the path", async () => {
    await expect(ws.readFilesAtPaths(repo, [{ sha: second, path: "b/big.tf" }], 1024)).rejects.toThrow(
      /^`b\/big\.tf` at [0-9a-f]{7} is 2048 bytes, larger than the 1024 bytes Sluice reads$/,
    );
    await expect(ws.readFileAt(repo, second, "c/deep")).rejects.toThrow(/^`c\/deep` at [0-9a-f]{7} is a directory, not a file$/);
  });
});

describe("readFilesAtPaths at a commit the mirror lacks", () => {
  it("is an error naming the commit, not a missing file (a trusted config would read as none: the server's defaults)", async () => {
    const unfetched = "0123456789abcdef0123456789abcdef01234567";
    await expect(ws.readFilesAtPaths(repo, [{ sha: unfetched, path: ".sluice.yaml" }])).rejects.toThrow(
      /^0123456789ab not in this server's copy of the repository \(not fetched\)$/,
    );
    // Control: a file the commit lacks, at a commit the mirror has, is still undefined.
    expect(await ws.readFilesAtPaths(repo, [{ sha: second, path: ".sluice.yaml" }])).toEqual([undefined]);
  });
});

describe("sparse worktrees", () => {
  it("hold the root's files, grow by dirs on request, and hold every file when asked", async () => {
    const c = await ws.checkout(request(1, first, true));
    try {
      expect(onDisk(c.dir)).toEqual(["README.md"]);
      expect(c.files).toContain("c/deep/x.txt");
      await c.include(["a", "m"]);
      expect(onDisk(c.dir)).toEqual(["README.md", "a/main.tf", "a/same.tf", "m/main.tf"]);
      await c.includeAll();
      expect(onDisk(c.dir)).toContain("c/deep/x.txt");
    } finally {
      c.release();
    }
  });

  it("a shallow dir gets its own files first, and its subdirs once it is asked for whole", async () => {
    const c = await ws.checkout(request(9, first, true));
    try {
      await c.include(["c", "m"], ["c"]);
      expect(onDisk(c.dir)).toEqual(["README.md", "m/main.tf"]);
      // Asked for shallow again: nothing more.
      await c.include(["c"], ["c"]);
      expect(onDisk(c.dir)).toEqual(["README.md", "m/main.tf"]);
      await c.include(["c"]);
      expect(onDisk(c.dir)).toEqual(["README.md", "c/deep/x.txt", "m/main.tf"]);
    } finally {
      c.release();
    }
  });

  it("a full checkout of a head whose worktree is sparse gets every file", async () => {
    const sparse = await ws.checkout(request(2, first, true));
    sparse.release();
    const full = await ws.checkout(request(2, first, false));
    full.release();
    expect(full.dir).toBe(sparse.dir);
    expect(onDisk(full.dir)).toContain("b/same.tf");
  });

  it("a new checkout never holds what an earlier one's run left: the old worktree is discarded, the new one is fresh", async () => {
    await ws.removePr(repo, 1);
    await ws.removePr(repo, 2);
    const old = await ws.checkout(request(3, first, false));
    writeFileSync(join(old.dir, "b", "untracked.txt"), "left over\n");
    old.release();
    const next = await ws.checkout(request(3, second, true));
    next.release();
    expect(onDisk(next.dir)).toEqual(["README.md"]);
    await next.include(["c"]);
    expect(onDisk(next.dir)).toEqual(["README.md", "c/deep/x.txt"]);
    expect(readdirSync(dirname(next.dir))).toEqual([second]);
  });

  it("a worktree holds no .git: git works on the mirror and an index of Sluice's own", async () => {
    const c = await ws.checkout(request(4, first, false));
    c.release();
    expect(readdirSync(c.dir)).not.toContain(".git");
    expect(git(ws.mirrorDir(repo), ["worktree", "list", "--porcelain"])).not.toContain(c.dir);
  });

  it("two jobs at the same head get two worktrees; the one still held is not discarded", async () => {
    const a = await ws.checkout(request(5, first, false));
    const b = await ws.checkout(request(5, first, false));
    expect(b.dir).not.toBe(a.dir);
    expect(onDisk(a.dir)).toContain("b/same.tf");
    a.release();
    b.release();
  });
});

describe("sparseHazards", () => {
  const sources = new Map([
    ["a", ["../m"]],
    ["e", ["../m"]],
    ["j", ["../m"]],
  ]);

  it("names a symlink in the dirs; nothing for plain dirs", async () => {
    expect(await ws.sparseHazards(repo, first, ["a", "m", "e", "j", "."], sources)).toBeUndefined();
    expect(await ws.sparseHazards(repo, second, ["b"], sources)).toBe("`b/link.tf` is a symlink");
  });

  it("of a shallow dir, only its own files count: its subdirs are not written", async () => {
    expect(await ws.sparseHazards(repo, second, ["a", "n"], sources, ["n"])).toBeUndefined();
    // Control: the same dir written whole.
    expect(await ws.sparseHazards(repo, second, ["a", "n"], sources)).toBe("`n/examples/link.tf` is a symlink");
    // Its own files still count: `b` shallow keeps its symlink.
    expect(await ws.sparseHazards(repo, second, ["b"], sources, ["b"])).toBe("`b/link.tf` is a symlink");
  });

  it("from the commit's whole listing, the answers of listing the dirs: symlinks, submodules, the root's own files, shallow dirs", async () => {
    const mirror = ws.mirrorDir(repo);
    const opts = { timeoutMs: 60_000, redact: (t: string) => t };
    const cases: [string, string[], string[]?][] = [
      [first, ["a", "m", "e", "j", "."]],
      [second, ["b"]],
      [second, ["a", "n"], ["n"]],
      [second, ["a", "n"]],
      [second, ["b"], ["b"]],
      [second, [":x"]],
      [third, ["."]],
      [third, ["a", "."]],
      [third, ["s"]],
      [third, ["s"], ["s"]],
      [third, ["s/sub"]],
    ];
    const answers: (string | undefined)[] = [];
    for (const [sha, dirs, shallow] of cases) {
      const listed = await sparseHazards(mirror, sha, dirs, sources, opts, shallow);
      const fromListing = await sparseHazards(mirror, sha, dirs, sources, opts, shallow, await listTree(mirror, sha, opts));
      expect(fromListing, `${dirs.join(",")} shallow ${shallow?.join(",")}`).toBe(listed);
      answers.push(listed);
    }
    // Controls: the cases find what each kind of entry is, so the two agree on more than nothing.
    expect(answers).toEqual([
      undefined,
      "`b/link.tf` is a symlink",
      undefined,
      "`n/examples/link.tf` is a symlink",
      "`b/link.tf` is a symlink",
      "`:x/link.tf` is a symlink",
      "`top-link.tf` is a symlink",
      "`top-link.tf` is a symlink",
      "`s/sub/mod` is a submodule",
      undefined,
      "`s/sub/mod` is a submodule",
    ]);
  });

  it("a dir whose name looks like pathspec magic is looked at as named", async () => {
    expect(await ws.sparseHazards(repo, second, [":x"], sources)).toBe("`:x/link.tf` is a symlink");
  });

  it("names a parent path outside module sources, in .tf and .tfvars files", async () => {
    expect(await ws.sparseHazards(repo, first, ["a", "d"], sources)).toMatch(/^`d\/main\.tf` may read a file outside its dir/);
    expect(await ws.sparseHazards(repo, first, ["f"], sources)).toMatch(/^`f\/terraform\.tfvars` may read/);
  });

  it("a file git takes for binary is searched too", async () => {
    expect(await ws.sparseHazards(repo, first, ["h"], sources)).toMatch(/^`h\/main\.tf` may read a file outside its dir/);
  });

  it("a template (any file in the dirs) calling a file function with a parent path", async () => {
    expect(await ws.sparseHazards(repo, first, ["k"], sources)).toMatch(/^`k\/t\.tpl` may read a file outside its dir/);
  });

  it("OpenTofu's own .tofu files are searched too", async () => {
    expect(await ws.sparseHazards(repo, first, ["i"], sources)).toMatch(/^`i\/main\.tofu` may read a file outside its dir/);
  });

  it("a `source` line counts as a module's only when it is a module source found in that dir", async () => {
    // A file provisioner's source: not a module, its file is outside the dir.
    expect(await ws.sparseHazards(repo, first, ["g"], sources)).toMatch(/^`g\/main\.tf` may read a file outside its dir/);
    // A module source the tree read did not find (its file was too large to read): its dir would be missing.
    expect(await ws.sparseHazards(repo, first, ["a"], new Map())).toMatch(/^`a\/main\.tf` may read a file outside its dir/);
  });
});
