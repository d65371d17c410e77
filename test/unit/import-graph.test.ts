import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The data flow of docs/design.md, checked on the source: which folder may import which. A folder is
 * `src/<name>` (files directly in src/ are the composition root, "src"), and `runners` as a whole.
 */
const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), "../.."));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function folderOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "runners") return "runners";
  return parts.length > 2 ? `src/${parts[1]}` : "src";
}

const IMPORT = /^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/gms;

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of [...sourceFiles("src"), ...sourceFiles("runners")]) {
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? "";
      const target = normalize(join(dirname(file), spec));
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) edges.push({ from, to, file, target });
    }
  }
  return edges;
}

/** Folders a folder must not import, with the reason docs/design.md gives. */
const FORBIDDEN: { rule: string; from: RegExp; to: RegExp; why: string }[] = [
  {
    rule: "src/policy -/-> src/vcs",
    from: /^src\/policy$/,
    to: /^src\/vcs$/,
    why: "policy is pure over facts; the job gathers them from the VCS",
  },
  { rule: "src/vcs -/-> src/store", from: /^src\/vcs$/, to: /^src\/store$/, why: "the VCS adapter speaks to GitHub only" },
  {
    rule: "runners -/-> src/ but src/model and src/util",
    from: /^runners$/,
    to: /^src(\/(?!model$|util$).*)?$/,
    why: "runners reach into src/ only for the domain types (src/model) and the leaf helpers (src/util)",
  },
  { rule: "src/util -/-> anything", from: /^src\/util$/, to: /.*/, why: "src/util is a leaf: helpers that know nothing of the domain" },
  {
    rule: "src/model -/-> anything",
    from: /^src\/model$/,
    to: /.*/,
    why: "src/model is the domain vocabulary every layer shares: it imports none of them",
  },
  {
    rule: "src/job-context -/-> the folders that use it",
    from: /^src\/job-context$/,
    to: /^src\/(jobs|drift|queue|tool-runs|repo-reading|authorization)$/,
    why: "the job context (deps, secrets, reply, publisher) is what every job part builds on: it knows none of them",
  },
  {
    rule: "src/job-output -/-> job parts",
    from: /^src\/job-output$/,
    to: /^src\/(jobs|drift|queue|tool-runs|repo-reading|authorization|job-context)$/,
    why: "posting comments and checks knows a job's row and its GitHub client, not what the job did to get there: the context offers it",
  },
  {
    rule: "tool runs, repo reading, authorization -/-> use cases and the queue",
    from: /^src\/(tool-runs|repo-reading|authorization)$/,
    to: /^src\/(jobs|drift|queue)$/,
    why: "these are the parts use cases are made of: a part never calls a use case",
  },
  {
    rule: "src/drift -/-> src/jobs",
    from: /^src\/drift$/,
    to: /^src\/jobs$/,
    why: "pull mode builds on the same parts as the pull-request jobs, never on those jobs (the dispatcher in src/jobs calls drift's)",
  },
  {
    rule: "src/queue -/-> use cases",
    from: /^src\/queue$/,
    to: /^src\/jobs$/,
    why: "the worker is handed the dispatcher by the composition root: queueing knows no job kind's code",
  },
];

function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    path.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...path.slice(path.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, "done");
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe("import graph (docs/design.md's data flow)", () => {
  const edges = importEdges();

  it("reads the imports (the rules below would pass vacuously otherwise)", () => {
    const has = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
    expect(has("src/jobs", "src/store")).toBe(true);
    expect(has("src/jobs", "runners")).toBe(true);
    expect(has("runners", "src/model")).toBe(true);
    expect(has("src/jobs", "src/drift")).toBe(true);
    expect(has("src/drift", "src/tool-runs")).toBe(true);
    expect(has("src/queue", "src/job-context")).toBe(true);
    expect(has("src/job-context", "src/job-output")).toBe(true);
  });

  it.each(FORBIDDEN)("$rule: $why", ({ from, to }) => {
    const broken = edges.filter((e) => from.test(e.from) && to.test(e.to)).map((e) => `${e.file} -> ${e.target}`);
    expect(broken).toEqual([]);
  });

  it("has no cycles between folders", () => {
    expect(cycles(edges).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("finds a cycle and a forbidden edge when there is one (the checks themselves can fail)", () => {
    const fake = (from: string, to: string): Edge => ({ from, to, file: `${from}/x.ts`, target: `${to}/y.ts` });
    expect(cycles([fake("src/a", "src/b"), fake("src/b", "src/c"), fake("src/c", "src/a")])).toEqual([
      ["src/a", "src/b", "src/c", "src/a"],
    ]);
    const runnersRule = FORBIDDEN[2];
    expect(runnersRule?.to.test("src/render")).toBe(true);
    expect(runnersRule?.to.test("src/model")).toBe(false);
    expect(runnersRule?.to.test("src/util")).toBe(false);
  });
});
