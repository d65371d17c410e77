// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the generated files are Terraform (HCL), whose ${…} is HCL's
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { promisify } from "node:util";
import { affectedProjects } from "../runners/terraform/affected-projects.js";
import { readRepoTree } from "../src/repo-reading/read-repo-tree.js";
import type { BenchOptions } from "./support/bench-options.js";
import { exactly, type Figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";

const run = promisify(execFile);
const PROJECTS = 1000;
const MODULES = 50;
const pad = (n: number) => String(n).padStart(2, "0");
const projectDir = (i: number) => `teams/team-${pad(Math.floor(i / 20))}/svc-${pad(i % 20)}`;
const moduleDir = (m: number) => `modules/m-${pad(m)}`;

/**
 * 1,000 projects over 50 local modules; module m uses module m+1 (chains up to 49 deep), every
 * fifth module reads a shared YAML outside any Terraform dir, every project reads its own
 * template and some a config dir through `fileset`; READMEs, docs, CHANGELOGs, CI files and test
 * var files that nothing reads. `reads`: which dir's code reads which file (the generator's own
 * record, the ground truth for reads that Terraform's module manifest does not list).
 */
function generatedRepo(): { files: Record<string, string>; reads: Map<string, string[]> } {
  const files: Record<string, string> = {
    "README.md": "# infra\n",
    "CHANGELOG.md": "## 1.0\n",
    ".github/workflows/ci.yml": "on: push\n",
  };
  const reads = new Map<string, string[]>();
  for (let m = 0; m < MODULES; m++) {
    const dir = moduleDir(m);
    const next = m + 1 < MODULES ? `module "next" {\n  source = "../m-${pad(m + 1)}"\n}\n` : "";
    const shared = m % 5 === 0 ? `locals {\n  cfg = yamldecode(file("\${path.module}/../../shared/cfg-${m}.yaml"))\n}\n` : "";
    files[`${dir}/main.tf`] = `resource "terraform_data" "m" {\n  input = "m${m}"\n}\n${next}${shared}`;
    files[`${dir}/README.md`] = `# m-${m}\n`;
    files[`${dir}/CHANGELOG.md`] = "";
    files[`${dir}/examples/basic/README.md`] = "";
    if (shared) {
      files[`shared/cfg-${m}.yaml`] = "a: 1\n";
      reads.set(dir, [`shared/cfg-${m}.yaml`]);
    }
  }
  for (let i = 0; i < PROJECTS; i++) {
    const dir = projectDir(i);
    const factory = i % 4 === 0;
    files[`${dir}/main.tf`] = [
      `module "base" {\n  source = "../../../${moduleDir(i % MODULES)}"\n}\n`,
      `resource "terraform_data" "ud" {\n  input = templatefile("\${path.module}/templates/user-data.tpl", {})\n}\n`,
      factory
        ? `locals {\n  cfg = [for f in fileset("\${path.module}/config", "*.yaml") : yamldecode(file("\${path.module}/config/\${f}"))]\n}\n`
        : "",
    ].join("\n");
    files[`${dir}/terraform.tfvars`] = "";
    files[`${dir}/templates/user-data.tpl`] = "#!/bin/sh\n";
    files[`${dir}/README.md`] = "";
    files[`${dir}/docs/runbook.md`] = "";
    files[`${dir}/tests/fixture.tfvars`] = "";
    const own = [`${dir}/templates/user-data.tpl`];
    if (factory) {
      files[`${dir}/config/a.yaml`] = "a: 1\n";
      files[`${dir}/config/NOTES.md`] = "";
      own.push(`${dir}/config/a.yaml`);
    }
    reads.set(dir, own);
  }
  return { files, reads };
}

/** Each project's module dirs, from `.terraform/modules/modules.json` after `terraform get`. */
async function moduleManifests(root: string, parallel: number): Promise<Map<string, string[]>> {
  const manifests = new Map<string, string[]>();
  const env = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
  const queue = Array.from({ length: PROJECTS }, (_, i) => projectDir(i));
  const worker = async () => {
    for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
      const dataDir = join(root, ".data", dir.replaceAll("/", "_"));
      await run("terraform", ["get", "-no-color"], { cwd: join(root, dir), env: { ...env, TF_DATA_DIR: dataDir } });
      const json = JSON.parse(await readFile(join(dataDir, "modules", "modules.json"), "utf8")) as { Modules: { Dir: string }[] };
      manifests.set(
        dir,
        json.Modules.map((m) => posix.normalize(posix.join(dir, m.Dir))),
      );
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return manifests;
}

/**
 * Figure: which projects a one-file PR plans, against the truth: for a Terraform file, the
 * projects whose module manifest (Terraform's own `modules.json`) holds its dir; for a file a dir's
 * code reads, the projects whose manifest holds that dir; for anything else, none. Precision and
 * recall over every (changed file, project) pair of all the one-file PRs.
 */
export async function whichProjects(opts: BenchOptions): Promise<Figure[]> {
  const { files, reads } = generatedRepo();
  const root = await mkdtemp(join(tmpdir(), "sluice-bench-which-"));
  try {
    for (const d of new Set(Object.keys(files).map((f) => dirname(join(root, f))))) await mkdir(d, { recursive: true });
    await Promise.all(Object.entries(files).map(([f, text]) => writeFile(join(root, f), text)));
    console.error("which-projects: terraform get in 1,000 projects for their module manifests");
    const manifests = await moduleManifests(root, opts.quick ? 8 : 6);
    const paths = Object.keys(files);
    const tree = await readRepoTree(async (select) => new Map(paths.filter(select).map((p) => [p, files[p] as string])), paths);

    const readersOf = new Map<string, string[]>();
    for (const [dir, list] of reads) for (const f of list) readersOf.set(f, [...(readersOf.get(f) ?? []), dir]);
    const truth = (file: string): Set<string> => {
      const dirs = file.endsWith(".tf") ? [posix.dirname(file)] : (readersOf.get(file) ?? []);
      const rootFile = /\/(?:terraform\.tfvars|\.terraform\.lock\.hcl)$/.test(file) && manifests.has(posix.dirname(file));
      const out = new Set<string>(rootFile ? [posix.dirname(file)] : []);
      for (const [project, dirsUsed] of manifests) if (dirs.some((d) => dirsUsed.includes(d))) out.add(project);
      return out;
    };

    const changes = paths.filter((_, i) => !opts.quick || i % 5 === 0);
    const ours = score(changes, truth, (file) => affectedProjects(tree, [file]).map((p) => p.dir));
    // The baseline, scored the same way: the earlier rule (a file belongs to the nearest Terraform
    // dir; in a module dir any file reaches every user; in a project dir the old default globs).
    const tfDirs = new Set(paths.filter((p) => p.endsWith(".tf")).map((p) => posix.dirname(p)));
    const nearest = score(changes, truth, (file) => {
      let dir = posix.dirname(file);
      while (!tfDirs.has(dir) && dir !== ".") dir = posix.dirname(dir);
      if (!tfDirs.has(dir)) return [];
      if (manifests.has(dir)) return /\.(?:tf|tf\.json|tfvars|tfvars\.json)$|\.terraform\.lock\.hcl$/.test(file) ? [dir] : [];
      return [...manifests].filter(([, used]) => used.includes(dir)).map(([p]) => p);
    });
    const base = (s: Score) =>
      `Terraform's modules.json; ${changes.length} one-file PRs: ${s.tp} right, ${s.fp} wrong, ${s.fn} missed (project, file) pairs, ${s.exact} PRs exact; nearest-dir rule: precision ${pct(nearest.precision)}, recall ${pct(nearest.recall)}, ${nearest.exact} exact`;
    return [
      exactly("which-projects.precision", 100 * ours.precision, "%", 100, base(ours)),
      exactly("which-projects.recall", 100 * ours.recall, "%", 100, base(ours)),
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

interface Score {
  tp: number;
  fp: number;
  fn: number;
  exact: number;
  precision: number;
  recall: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** True, false and missed (project, file) pairs of one-file PRs, and the PRs planned exactly right. */
function score(changes: readonly string[], truth: (file: string) => Set<string>, predict: (file: string) => string[]): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let exact = 0;
  for (const file of changes) {
    const predicted = new Set(predict(file));
    const expected = truth(file);
    let same = predicted.size === expected.size;
    for (const p of predicted) {
      if (expected.has(p)) tp++;
      else {
        fp++;
        same = false;
      }
    }
    for (const p of expected) if (!predicted.has(p)) fn++;
    if (same) exact++;
  }
  return { tp, fp, fn, exact, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}

runIfMain(import.meta.url, whichProjects);
