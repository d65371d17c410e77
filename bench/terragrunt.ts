// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the generated files are Terragrunt and Terraform (HCL)
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ProjectTree } from "../src/model/project-tree.js";
import { buildOnce } from "./support/start-bench-app.js";
import type { BenchOptions } from "./support/bench-options.js";
import { exactly, type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const MODULES = 50;

/**
 * A Terragrunt live repo: `accounts` × 6 regions × `perRegion` units, each including the root
 * config, reading its region's and account's settings through find_in_parent_folders, using one
 * of 50 local modules as its source, depending on the unit before it, with `extra` plain files
 * (docs, var files) beside it. Every unit's text differs (its name and inputs are its own).
 */
export function terragruntRepo(accounts: number, perRegion: number, extra = 0): Record<string, string> {
  const files: Record<string, string> = {
    "root.hcl": 'locals {\n  org = "acme"\n}\nremote_state {\n  backend = "local"\n}\n',
    "README.md": "# live\n",
  };
  for (let m = 0; m < MODULES; m++) {
    files[`modules/m${pad(m)}/main.tf`] = `variable "name" {\n  type = string\n}\nresource "terraform_data" "x" {\n  input = var.name\n}\n`;
  }
  for (let a = 0; a < accounts; a++) {
    files[`live/acct-${pad(a)}/account.hcl`] = `locals {\n  account_id = "${100000 + a}"\n}\n`;
    for (let r = 0; r < 6; r++) {
      const region = `live/acct-${pad(a)}/region-${r}`;
      files[`${region}/region.hcl`] = `locals {\n  region = "eu-${r}"\n}\n`;
      for (let u = 0; u < perRegion; u++) {
        const dir = `${region}/unit-${pad(u, 3)}`;
        files[`${dir}/terragrunt.hcl`] = [
          'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}',
          'locals {\n  region  = read_terragrunt_config(find_in_parent_folders("region.hcl"))\n  account = read_terragrunt_config(find_in_parent_folders("account.hcl"))\n}',
          `terraform {\n  source = "../../../../modules//m${pad((a * 7 + r * 3 + u) % MODULES)}"\n}`,
          u > 0 ? `dependency "prev" {\n  config_path = "../unit-${pad(u - 1, 3)}"\n  mock_outputs = { id = "mock" }\n}` : "",
          `inputs = {\n  name = "unit-${a}-${r}-${u}"\n  size = ${u % 7}\n}\n`,
        ].join("\n");
        for (let x = 0; x < extra; x++) files[`${dir}/${x % 2 ? `docs/note-${x}.md` : `vars-${x}.tfvars`}`] = "";
      }
    }
  }
  return files;
}

/** The same shape as plain Terraform: one root module per unit using its module, the same extra files. */
function terraformRepo(accounts: number, perRegion: number, extra = 0): Record<string, string> {
  const files: Record<string, string> = { "README.md": "# live\n" };
  for (let m = 0; m < MODULES; m++) files[`modules/m${pad(m)}/main.tf`] = 'resource "terraform_data" "x" {}\n';
  for (let a = 0; a < accounts; a++) {
    for (let r = 0; r < 6; r++) {
      for (let u = 0; u < perRegion; u++) {
        const dir = `live/acct-${pad(a)}/region-${r}/unit-${pad(u, 3)}`;
        files[`${dir}/main.tf`] =
          `module "m" {\n  source = "../../../../modules/m${pad((a * 7 + r * 3 + u) % MODULES)}"\n  name   = "unit-${a}-${r}-${u}"\n}\n`;
        for (let x = 0; x < extra; x++) files[`${dir}/${x % 2 ? `docs/note-${x}.md` : `vars-${x}.tfvars`}`] = "";
      }
    }
  }
  return files;
}

const DIST = resolve(import.meta.dirname, "../dist");

/**
 * The app's discovery as production runs it, compiled (`npm start`): the parse pool's workers
 * start from dist/ as they do there, not through tsx's loader.
 */
async function compiled() {
  await buildOnce();
  const [registry, files, pool, tree] = await Promise.all([
    import(`${DIST}/runners/registry.js`) as Promise<typeof import("../runners/registry.js")>,
    import(`${DIST}/runners/terragrunt/read-terragrunt-files.js`) as Promise<
      typeof import("../runners/terragrunt/read-terragrunt-files.js")
    >,
    import(`${DIST}/runners/terragrunt/parse-pool.js`) as Promise<typeof import("../runners/terragrunt/parse-pool.js")>,
    import(`${DIST}/src/repo-reading/read-repo-tree.js`) as Promise<typeof import("../src/repo-reading/read-repo-tree.js")>,
  ]);
  return { ...registry, ...files, ...pool, ...tree };
}

let app: Awaited<ReturnType<typeof compiled>>;

/**
 * CPU time of this thread alone, in ms (Linux: 10 ms ticks): with the parse pool's workers beside
 * it, the discovery's critical path, what its wall time is on free cores.
 */
function threadCpuMs(): number {
  const stat = readFileSync("/proc/thread-self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Discovered {
  ms: number;
  /** CPU time of this process (user + system): what the load of other work on the machine does not inflate. */
  cpuMs: number;
  /** CPU time of this thread (see threadCpuMs). */
  threadMs: number;
  tree: ProjectTree;
  projects: number;
  affected: number;
}

async function discover(files: Record<string, string>, changed: string[]): Promise<Discovered> {
  const paths = Object.keys(files);
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpuMs();
  const t0 = performance.now();
  const { readRepoTree, PROJECT_DETECTORS } = app;
  const tree = await readRepoTree(async (select) => new Map(paths.filter(select).map((p) => [p, files[p] as string])), paths);
  let projects = 0;
  let affected = 0;
  for (const d of PROJECT_DETECTORS) {
    const found = d.detect(tree, changed);
    projects += found.projects.length;
    affected += found.affected.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const threadMs = threadCpuMs() - thread0;
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, threadMs, tree, projects, affected };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Figures: discovery of 6,000 generated Terragrunt units (read the tree, parse every `.hcl`, follow
 * includes and reads, find what one change plans), cold (nothing parsed yet) and warm (the parse
 * cache of an earlier pull request), and after a restart (the parses kept in the data dir); and the change graph of 1,000 units in 20,000 files. The
 * baseline, measured in the same run: Terraform discovery of the same repo written as plain
 * Terraform root modules (Sluice's existing lexer-based reading).
 */
export async function terragruntDiscovery(opts: BenchOptions): Promise<Figure[]> {
  app = await compiled();
  const { clearTerragruntParseCache, closeParsePool, flushKeptTerragruntParses, keepTerragruntParsesIn, PROJECT_DETECTORS } = app;
  const runs = opts.quick ? 1 : 3;
  const units = terragruntRepo(10, 100);
  const unitsTf = terraformRepo(10, 100);
  const cold: number[] = [];
  const coldCpu: number[] = [];
  const coldThread: number[] = [];
  const warm: number[] = [];
  const tf: number[] = [];
  const tfCpu: number[] = [];
  let counts = { projects: 0, affected: 0 };
  for (let i = 0; i < runs; i++) {
    clearTerragruntParseCache();
    // A new server has no parse workers either: each cold run starts them (and loads their grammar).
    await closeParsePool();
    const c = await discover(units, ["live/acct-03/region-2/region.hcl"]);
    cold.push(c.ms);
    coldCpu.push(c.cpuMs);
    coldThread.push(c.threadMs);
    counts = c;
    warm.push((await discover(units, ["live/acct-03/region-2/region.hcl"])).ms);
    const t = await discover(unitsTf, ["modules/m07/main.tf"]);
    tf.push(t.ms);
    tfCpu.push(t.cpuMs);
  }
  // A restart: the parses kept by the run before it (the data dir's file), nothing in memory.
  const keptDir = await mkdtemp(join(tmpdir(), "sluice-bench-tg-"));
  const afterRestart: number[] = [];
  try {
    const problems: string[] = [];
    keepTerragruntParsesIn(join(keptDir, "terragrunt-parses.json"), (m) => problems.push(m));
    clearTerragruntParseCache();
    await discover(units, ["live/acct-03/region-2/region.hcl"]);
    await flushKeptTerragruntParses();
    for (let i = 0; i < runs; i++) {
      clearTerragruntParseCache();
      afterRestart.push((await discover(units, ["live/acct-03/region-2/region.hcl"])).ms);
    }
    if (problems.length) throw new Error(problems.join("; "));
  } finally {
    await rm(keptDir, { recursive: true, force: true });
  }
  const tfMs = median(tf);
  const base = (ms: number) =>
    `Terraform discovery of the same 6,000 dirs as root modules: ${tfMs.toFixed(0)} ms; ratio ${(ms / tfMs).toFixed(2)}; median of ${runs}`;

  // The change graph: 1,020 units, 20,485 files; one PR touching a region file, one the root config.
  const big = terragruntRepo(5, 34, 19);
  const bigTf = terraformRepo(5, 34, 19);
  const fileCount = Object.keys(big).length;
  clearTerragruntParseCache();
  const graph = await discover(big, ["live/acct-01/region-4/region.hcl"]);
  const graphTf = await discover(bigTf, ["modules/m11/main.tf"]);
  const t0 = performance.now();
  let planned = 0;
  for (const d of PROJECT_DETECTORS) planned += d.detect({ ...graph.tree }, ["root.hcl"]).affected.length;
  const allMs = performance.now() - t0;
  const graphBase = `Terraform, same ${Object.keys(bigTf).length} files as root modules: ${graphTf.ms.toFixed(0)} ms; ratio ${(graph.ms / graphTf.ms).toFixed(2)}`;

  return [
    figure("terragrunt.discover-6000-cold", median(cold), "ms", { max: 1000, strict: true, label: "< 1 s" }, base(median(cold))),
    figure(
      "terragrunt.discover-6000-cold-cpu",
      median(coldCpu),
      "ms",
      { max: 1000, strict: true, label: "< 1 s" },
      `CPU time of the cold discovery; Terraform's: ${median(tfCpu).toFixed(0)} ms; ratio ${(median(coldCpu) / median(tfCpu)).toFixed(2)}`,
    ),
    figure(
      "terragrunt.discover-6000-cold-thread",
      median(coldThread),
      "ms",
      undefined,
      "CPU time of the reading thread alone in the cold discovery (the parse pool's workers beside it): its wall time on free cores",
    ),
    figure("terragrunt.discover-6000-warm", median(warm), "ms", { max: 1000, strict: true, label: "< 1 s" }, base(median(warm))),
    figure(
      "terragrunt.discover-6000-after-restart",
      median(afterRestart),
      "ms",
      { max: 1000, strict: true, label: "< 1 s" },
      `the first PR after a restart: the parses the process before kept in the data dir, read back; ${base(median(afterRestart))}`,
    ),
    exactly(
      "terragrunt.units-found",
      counts.projects,
      "units",
      6000,
      `one region file changed: ${counts.affected} units planned (its 100 units)`,
    ),
    exactly("terragrunt.region-change-plans", counts.affected, "units", 100, "the 100 units of that region read it"),
    figure("terragrunt.change-graph-1000", graph.ms, "ms", undefined, `${graph.projects} units, ${fileCount} files, cold; ${graphBase}`),
    figure("terragrunt.root-change-1000", allMs, "ms", undefined, `root.hcl changed: ${planned} units planned, over the tree already read`),
  ];
}

runIfMain(import.meta.url, terragruntDiscovery);
