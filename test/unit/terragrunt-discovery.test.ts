// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt (HCL) text, whose ${…} is HCL's
import { hclParser, parseTerragruntHcl } from "../../runners/terragrunt/parse-terragrunt-hcl.js";
import { describe, expect, it } from "vitest";
import { findModuleSources } from "../../runners/terraform/discover-terraform-projects.js";
import { findFileReads } from "../../runners/terraform/find-file-reads.js";
import { terraformDetector } from "../../runners/terraform/terraform-detector.js";
import { DISCOVERY_BOUNDS, discoverTerragruntUnits } from "../../runners/terragrunt/discover-terragrunt-units.js";
import { isTerragruntConfigFile, readTerragruntFiles } from "../../runners/terragrunt/read-terragrunt-files.js";
import { terragruntDetector } from "../../runners/terragrunt/terragrunt-detector.js";
import { carryDependsOn, planOrder } from "../../src/tool-runs/plan-order.js";
import type { ProjectTree, TfRead } from "../../src/model/project-tree.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { defaultRepoConfig } from "../../src/config/repo/load-repo-config.js";

/** A tree as readRepoTree builds it, from the files' texts (the .hcl ones parsed for real). */
async function treeOf(files: Record<string, string>): Promise<ProjectTree> {
  const paths = Object.keys(files);
  const tfSources = new Map<string, string[]>();
  const tfReads = new Map<string, TfRead[]>();
  for (const [path, text] of Object.entries(files)) {
    if (!path.endsWith(".tf")) continue;
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    tfSources.set(dir, [...(tfSources.get(dir) ?? []), ...findModuleSources(text)]);
    tfReads.set(dir, [...(tfReads.get(dir) ?? []), ...findFileReads(text)]);
  }
  const hcl = new Map(Object.entries(files).filter(([p]) => isTerragruntConfigFile(p)));
  return { files: paths, tfSources, tfReads, kustomizeRefs: new Map(), terragrunt: await readTerragruntFiles(hcl) };
}

const LIVE = {
  "README.md": "# live\n",
  "root.hcl": 'locals {\n  org = "acme"\n}\n',
  "env/common.hcl": 'locals {\n  account = read_terragrunt_config("account.hcl")\n}\n',
  "env/account.hcl": 'locals {\n  id = "123"\n}\n',
  "env/prod/region.hcl": 'locals {\n  region = "eu-west-1"\n}\n',
  "modules/vpc/main.tf":
    'module "sub" {\n  source = "../sub"\n}\nresource "terraform_data" "x" {\n  input = templatefile("${path.module}/tpl/net.tpl", {})\n}\n',
  "modules/vpc/tpl/net.tpl": "net\n",
  "modules/sub/main.tf": 'resource "terraform_data" "y" {}\n',
  "env/prod/db/terragrunt.hcl": [
    'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}',
    'include "env" {\n  path = "${get_terragrunt_dir()}/../../common.hcl"\n}',
    'terraform {\n  source = "../../../modules//vpc"\n}',
    'inputs = {\n  name = "db"\n}\n',
  ].join("\n"),
  "env/prod/app/terragrunt.hcl": [
    'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}',
    'locals {\n  region = read_terragrunt_config(find_in_parent_folders("region.hcl"))\n}',
    'dependency "db" {\n  config_path = "../db"\n  mock_outputs = { id = "x" }\n}',
    "inputs = {\n  db = dependency.db.outputs.id\n}\n",
  ].join("\n"),
  "env/prod/app/extra.tfvars": 'x = "1"\n',
};

const affected = async (files: Record<string, string>, changed: string[]) =>
  terragruntDetector.detect(await treeOf(files), changed).affected.map((p) => ({ dir: p.dir, why: p.why }));

describe("the files a unit reads through Terraform's and Terragrunt's other reading functions", () => {
  // A unit reads a file through any function that takes one: each is its file (code owners count
  // it; a change to it plans the unit), as Terraform projects' reads are (find-file-reads.ts).
  const files = {
    "live/prod/terragrunt.hcl": [
      "inputs = {",
      '  plain     = file("../../common/plain.txt")',
      '  user_data = filebase64("../../common/boot.sh")',
      '  checksum  = filesha256("../../common/image.bin")',
      '  secrets   = yamldecode(sops_decrypt_file("../../common/secrets.enc.yaml"))',
      "}",
      "",
    ].join("\n"),
    "common/plain.txt": "x\n",
    "common/boot.sh": "#!/bin/sh\n",
    "common/image.bin": "x\n",
    "common/secrets.enc.yaml": "x: y\n",
  };

  it("counts a file read by filebase64, a filesha* or sops_decrypt_file as the unit's", async () => {
    const unit = discoverTerragruntUnits(await treeOf(files)).units.get("live/prod");
    const reads = [...(unit?.reads.keys() ?? [])];
    // Control: file() is followed.
    expect(reads).toContain("common/plain.txt");
    expect(reads).toEqual(expect.arrayContaining(["common/boot.sh", "common/image.bin", "common/secrets.enc.yaml"]));
    for (const changed of ["common/boot.sh", "common/secrets.enc.yaml"]) {
      expect((await affected(files, [changed])).map((p) => p.dir)).toEqual(["live/prod"]);
    }
  });

  it("counts a file whose presence it reads (fileexists) as the unit's, there or not yet", async () => {
    const gated = {
      ...files,
      "live/prod/terragrunt.hcl": [
        "inputs = {",
        '  plain   = file("../../common/plain.txt")',
        '  enabled = fileexists("../../flags/prod-enabled")',
        '  extra   = fileexists("../../flags/prod-extra") ? file("../../flags/prod-extra") : ""',
        "}",
        "",
      ].join("\n"),
      "flags/prod-enabled": "",
    };
    const reads = [
      ...(discoverTerragruntUnits(await treeOf(gated))
        .units.get("live/prod")
        ?.reads.keys() ?? []),
    ];
    // Control: file() is followed.
    expect(reads).toContain("common/plain.txt");
    expect(reads).toContain("flags/prod-enabled");
    // Adding or removing the flag changes the unit's inputs: it plans the unit.
    for (const changed of ["flags/prod-enabled", "flags/prod-extra"]) {
      expect((await affected(gated, [changed])).map((p) => p.dir)).toEqual(["live/prod"]);
    }
  });
});

describe("Terragrunt units: discovery", () => {
  it("finds each unit, its dependencies, and leaves its source module to Terragrunt", async () => {
    const tree = await treeOf(LIVE);
    const found = terragruntDetector.detect(tree, []);
    expect(found.projects).toEqual([
      { name: "env/prod/app", dir: "env/prod/app", workspace: "default", runner: "terragrunt", dependsOn: ["env/prod/db"] },
      { name: "env/prod/db", dir: "env/prod/db", workspace: "default", runner: "terragrunt" },
    ]);
    // modules/vpc is the db unit's source: not a Terraform project of its own (modules/sub is vpc's module).
    expect(terraformDetector.detect(tree, []).projects).toEqual([]);
    const unit = discoverTerragruntUnits(tree).units.get("env/prod/db");
    expect([...(unit?.reads.keys() ?? [])]).toEqual(["root.hcl", "env/common.hcl", "env/account.hcl"]);
    expect(unit?.sources).toEqual(["modules/vpc"]);
  });

  it("a root terragrunt.hcl that units include is configuration, not a unit", async () => {
    const files = {
      "terragrunt.hcl": 'remote_state {\n  backend = "local"\n}\n',
      "a/terragrunt.hcl": "include {\n  path = find_in_parent_folders()\n}\n",
      "b/terragrunt.hcl": 'include "root" {\n  path = "../terragrunt.hcl"\n}\n',
    };
    expect(terragruntDetector.detect(await treeOf(files), []).projects.map((p) => p.dir)).toEqual(["a", "b"]);
    expect(await affected(files, ["terragrunt.hcl"])).toEqual([
      { dir: "a", why: ["`terragrunt.hcl` of `a` includes `terragrunt.hcl`"] },
      { dir: "b", why: ["`terragrunt.hcl` of `b` includes `terragrunt.hcl`"] },
    ]);
  });
});

describe("Terragrunt units: an include written as a template (Terragrunt's HCL1-era spelling)", () => {
  it('`path = "${find_in_parent_folders()}"` includes the root: the root is configuration, not a unit', async () => {
    const files = {
      "live/terragrunt.hcl": 'remote_state {\n  backend = "local"\n}\n',
      "live/a/terragrunt.hcl": 'include {\n  path = "${find_in_parent_folders()}"\n}\n',
      "live/b/terragrunt.hcl": 'include "root" {\n  path = "${find_in_parent_folders("terragrunt.hcl")}"\n}\n',
    };
    const tree = await treeOf(files);
    expect(terragruntDetector.detect(tree, []).projects.map((p) => p.dir)).toEqual(["live/a", "live/b"]);
    expect(discoverTerragruntUnits(tree).units.get("live/a")?.includes).toEqual(["live/terragrunt.hcl"]);
    expect(await affected(files, ["live/terragrunt.hcl"])).toEqual([
      { dir: "live/a", why: ["`terragrunt.hcl` of `live/a` includes `live/terragrunt.hcl`"] },
      { dir: "live/b", why: ["`terragrunt.hcl` of `live/b` includes `live/terragrunt.hcl`"] },
    ]);
  });

  it('a lone `"${get_terragrunt_dir()}"` or `"${get_repo_root()}"` is still the dir it names, not computed', async () => {
    const hcl = await hclParser();
    const refs = parseTerragruntHcl(
      hcl,
      'terraform {\n  source = "${get_terragrunt_dir()}"\n}\ndependency "net" {\n  config_path = "${get_repo_root()}"\n}\n',
    ).refs;
    expect(refs.map((r) => [r.kind, r.path])).toEqual([
      ["source", { kind: "unit", path: "." }],
      ["dependency", { kind: "repo", path: "." }],
    ]);
  });

  it("control: a template that builds more than the one call stays computed", async () => {
    const files = {
      "live/terragrunt.hcl": 'remote_state {\n  backend = "local"\n}\n',
      "live/a/terragrunt.hcl": 'include {\n  path = "${find_in_parent_folders()}.bak"\n}\n',
    };
    const tree = await treeOf(files);
    expect(discoverTerragruntUnits(tree).units.get("live/a")?.includes).toEqual([]);
  });
});

describe("Terragrunt units: what a change plans, and why", () => {
  it.each([
    [
      "the common included file plans both units, the dependent one through its dependency",
      ["env/common.hcl"],
      [
        { dir: "env/prod/app", why: ["dependency of `env/prod/db`, which this change plans"] },
        { dir: "env/prod/db", why: ["`terragrunt.hcl` of `env/prod/db` includes `env/common.hcl`"] },
      ],
    ],
    [
      "a file read by an included file names the chain",
      ["env/account.hcl"],
      [
        { dir: "env/prod/app", why: ["dependency of `env/prod/db`, which this change plans"] },
        {
          dir: "env/prod/db",
          why: ["`terragrunt.hcl` of `env/prod/db` includes `env/common.hcl`, which reads `env/account.hcl` (`read_terragrunt_config`)"],
        },
      ],
    ],
    [
      "a file found by find_in_parent_folders plans only the unit reading it",
      ["env/prod/region.hcl"],
      [{ dir: "env/prod/app", why: ["`terragrunt.hcl` of `env/prod/app` reads `env/prod/region.hcl` (`read_terragrunt_config`)"] }],
    ],
    [
      "the source module, a module it uses and a file it reads, as Terraform counts them",
      ["modules/vpc/main.tf", "modules/sub/main.tf", "modules/vpc/tpl/net.tpl"],
      [
        { dir: "env/prod/app", why: ["dependency of `env/prod/db`, which this change plans"] },
        {
          dir: "env/prod/db",
          why: [
            "`modules/vpc/main.tf`, in the Terraform source `modules/vpc` of `env/prod/db`",
            "`modules/sub/main.tf`, in module `modules/sub`, in the Terraform source `modules/vpc` of `env/prod/db`",
            "`modules/vpc/tpl/net.tpl`, read by the project (`templatefile`), in the Terraform source `modules/vpc` of `env/prod/db`",
          ],
        },
      ],
    ],
    ["a file of the unit's own dir", ["env/prod/app/extra.tfvars"], [{ dir: "env/prod/app", why: ["`env/prod/app/extra.tfvars`"] }]],
    ["a README plans nothing", ["README.md"], []],
  ])("%s", async (_name, changed, expected) => {
    expect(await affected(LIVE, changed)).toEqual(expected);
  });

  it("a configured runner: terragrunt project follows the same reads", async () => {
    const tree = await treeOf(LIVE);
    const project = { name: "db", dir: "env/prod/db", workspace: "default", runner: "terragrunt" as const };
    expect(terragruntDetector.follow?.(project, tree, ["env/account.hcl"])).toEqual([
      "`terragrunt.hcl` of `env/prod/db` includes `env/common.hcl`, which reads `env/account.hcl` (`read_terragrunt_config`)",
    ]);
    expect(terragruntDetector.follow?.(project, tree, ["README.md"])).toEqual([]);
  });
});

describe("Terragrunt units: the _envcommon layout (Gruntwork's example live repo)", () => {
  const FILES = {
    "root.hcl": 'terraform {\n  source = "${get_parent_terragrunt_dir()}/modules//${path_relative_to_include()}"\n}\n',
    "_envcommon/mysql.hcl":
      'locals {\n  env = read_terragrunt_config(find_in_parent_folders("env.hcl"))\n}\nterraform {\n  source = "${get_parent_terragrunt_dir()}/../modules/mysql"\n}\n',
    "modules/mysql/main.tf": 'resource "terraform_data" "db" {}\n',
    "prod/env.hcl": 'locals {\n  env = "prod"\n}\n',
    "prod/mysql/terragrunt.hcl": [
      'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}',
      'include "envcommon" {\n  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/mysql.hcl"\n  expose = true\n}\n',
    ].join("\n"),
  };

  it("follows an include beside a parent file, and sources relative to the included file", async () => {
    expect(await affected(FILES, ["_envcommon/mysql.hcl", "prod/env.hcl", "modules/mysql/main.tf"])).toEqual([
      {
        dir: "prod/mysql",
        why: [
          "`terragrunt.hcl` of `prod/mysql` includes `_envcommon/mysql.hcl`",
          "`terragrunt.hcl` of `prod/mysql` includes `_envcommon/mysql.hcl`, which reads `prod/env.hcl` (`read_terragrunt_config`)",
          "`modules/mysql/main.tf`, in the Terraform source `modules/mysql` of `prod/mysql`",
        ],
      },
    ]);
    // root.hcl's source is built from path_relative_to_include(): computed, not followed.
    expect(discoverTerragruntUnits(await treeOf(FILES)).units.get("prod/mysql")?.sources).toEqual(["modules/mysql"]);
  });
});

describe("Terragrunt units: order and cycles", () => {
  const config = { projects: [], source: "none" } as unknown as RepoConfig;

  it("plans a unit after the units it depends on", async () => {
    const tree = await treeOf(LIVE);
    const { projects, affected: touched } = terragruntDetector.detect(tree, ["env/common.hcl"]);
    const order = planOrder(config, projects, touched);
    expect(order.ok && order.waves.map((w) => w.map((p) => p.dir))).toEqual([["env/prod/db"], ["env/prod/app"]]);
  });

  it("applies in the same order: projects rebuilt from saved plans take the dependencies found at the head", async () => {
    const tree = await treeOf(LIVE);
    const { projects } = terragruntDetector.detect(tree, []);
    const fromPlans = [
      { name: "env/prod/app", dir: "env/prod/app", workspace: "default", runner: "terragrunt" as const },
      { name: "env/prod/db", dir: "env/prod/db", workspace: "default", runner: "terragrunt" as const },
    ];
    const before = planOrder(config, fromPlans, fromPlans);
    expect(before.ok && before.waves.length).toBe(1);
    carryDependsOn(fromPlans, projects);
    const order = planOrder(config, fromPlans, fromPlans);
    expect(order.ok && order.waves.map((w) => w.map((p) => p.dir))).toEqual([["env/prod/db"], ["env/prod/app"]]);
    expect(order.ok && order.dependsOn(fromPlans[0] as (typeof fromPlans)[0])).toEqual(["env/prod/db"]);
  });

  it("a unit named apart from a configured project of its dir's name still follows the unit it depends on, never that project", async () => {
    // `env/prod/db` is also the name of a configured project on `infra/db`: the unit on the dir is
    // told apart as `env/prod/db~autodiscovered`, and app's `dependency "db"` is that unit's.
    const configured = {
      name: "env/prod/db",
      dir: "infra/db",
      workspace: "default",
      runner: "terraform" as const,
      autoplan: { enabled: true, whenModified: ["*.tf"] },
      dependsOn: [],
      executionOrderGroup: 0,
    };
    const withDb: RepoConfig = { ...defaultRepoConfig(), source: ".sluice.yaml", projects: [configured] };
    const tree = await treeOf({ ...LIVE, "infra/db/main.tf": 'resource "terraform_data" "z" {}\n' });
    const { all, affected: touched } = resolveProjects(withDb, tree, ["env/common.hcl"], PROJECT_DETECTORS);
    expect(touched.map((p) => p.name)).toEqual(["env/prod/app", "env/prod/db~autodiscovered"]);
    const order = planOrder(withDb, all, touched);
    // The unit waits for its dependency's unit (and a failed apply of it stops the dependent).
    expect(order.ok && order.waves.map((w) => w.map((p) => p.dir))).toEqual([["env/prod/db"], ["env/prod/app"]]);
    const app = touched.find((p) => p.dir === "env/prod/app") as (typeof touched)[0];
    expect(order.ok && order.dependsOn(app)).toEqual(["env/prod/db~autodiscovered"]);
    // Control: without the configured project, the unit keeps its dir's name and the same order.
    const plain = resolveProjects(defaultRepoConfig(), tree, ["env/common.hcl"], PROJECT_DETECTORS);
    const plainOrder = planOrder(defaultRepoConfig(), plain.all, plain.affected);
    expect(plainOrder.ok && plainOrder.waves.map((w) => w.map((p) => p.name))).toEqual([["env/prod/db"], ["env/prod/app"]]);
  });

  it("a unit depending on a dir the repo config claims under another name waits for that configured project", async () => {
    // `env/prod/db` is configured as `database` (runner: terragrunt): app's `dependency "db"`
    // (`../db`) is that project, by its dir, so a failed apply of it stops app.
    const database = {
      name: "database",
      dir: "env/prod/db",
      workspace: "default",
      runner: "terragrunt" as const,
      autoplan: { enabled: true, whenModified: ["*.hcl"] },
      dependsOn: [],
      executionOrderGroup: 0,
    };
    const withDb: RepoConfig = { ...defaultRepoConfig(), source: ".sluice.yaml", projects: [database] };
    const tree = await treeOf(LIVE);
    const { all, affected: touched } = resolveProjects(withDb, tree, ["env/common.hcl"], PROJECT_DETECTORS);
    expect(touched.map((p) => p.name)).toEqual(["env/prod/app", "database"]);
    const order = planOrder(withDb, all, touched);
    expect(order.ok && order.waves.map((w) => w.map((p) => p.name))).toEqual([["database"], ["env/prod/app"]]);
    const app = touched.find((p) => p.dir === "env/prod/app") as (typeof touched)[0];
    expect(order.ok && order.dependsOn(app)).toEqual(["database"]);
  });

  it("refuses a dependency cycle, naming it", async () => {
    const files = {
      "a/terragrunt.hcl": 'dependency "b" {\n  config_path = "../b"\n}\n',
      "b/terragrunt.hcl": 'dependencies {\n  paths = ["../c"]\n}\n',
      "c/terragrunt.hcl": 'dependency "a" {\n  config_path = "../a"\n}\n',
    };
    const { projects, affected: touched } = terragruntDetector.detect(await treeOf(files), ["a/terragrunt.hcl"]);
    expect(touched.map((p) => p.dir)).toEqual(["a", "b", "c"]);
    expect(planOrder(config, projects, touched)).toEqual({
      ok: false,
      error:
        "Terragrunt dependency cycle: `a` → `b` → `c` → `a` (each unit's `dependency` blocks): Terragrunt cannot order these units, so none is planned",
    });
  });
});

describe("Terragrunt units: hostile configuration", () => {
  it("never follows a path out of the repository, and says so", async () => {
    const files = {
      "x/terragrunt.hcl": [
        'include "up" {\n  path = "../../../../etc/passwd"\n}',
        'include "abs" {\n  path = "/etc/shadow"\n}',
        'locals {\n  a = read_terragrunt_config("/root/.ssh/id_rsa")\n  b = file("${get_terragrunt_dir()}/../../../proc/self/environ")\n  c = read_terragrunt_config(find_in_parent_folders("../../../../etc/hosts"))\n}',
        'terraform {\n  source = "/opt/module"\n}',
        'dependency "out" {\n  config_path = "../../.."\n}\n',
      ].join("\n"),
    };
    const tree = await treeOf(files);
    const unit = discoverTerragruntUnits(tree).units.get("x");
    expect(unit?.reads.size).toBe(0);
    expect(unit?.sources).toEqual([]);
    expect(unit?.dependencies).toEqual([]);
    expect(unit?.problems).toEqual([
      "`x/terragrunt.hcl` names `../../../../etc/passwd`, outside the repository: not read",
      "`x/terragrunt.hcl` names `/etc/shadow`, outside the repository: not read",
      "`x/terragrunt.hcl` names `/opt/module`, outside the repository: not read",
      "`x/terragrunt.hcl` names `../../..`, outside the repository: not read",
      "`x/terragrunt.hcl` names `/root/.ssh/id_rsa`, outside the repository: not read",
      "`x/terragrunt.hcl` names `${get_terragrunt_dir()}/../../../proc/self/environ`, outside the repository: not read",
      '`x/terragrunt.hcl` names `find_in_parent_folders("../../../../etc/hosts")`, outside the repository: not read',
    ]);
  });

  it("a file that is not HCL is a problem of its unit, not a crash; the unit is still planned by its own files", async () => {
    const files = { "x/terragrunt.hcl": 'include "root" {\n  path = \n', "x/main.tf": "" };
    const tree = await treeOf(files);
    expect(discoverTerragruntUnits(tree).units.get("x")?.problems).toEqual(["`x/terragrunt.hcl`: HCL syntax error near line 1"]);
    expect(terragruntDetector.detect(tree, ["x/terragrunt.hcl"]).affected.map((p) => p.why)).toEqual([["`x/terragrunt.hcl`"]]);
  });

  it("autodiscover.ignore leaves a unit out, and Terraform does not take its dir", async () => {
    const tree = await treeOf(LIVE);
    const config = {
      projects: [],
      autodiscover: { enabled: true, ignore: ["env/prod/app"] },
      source: "none",
    } as unknown as RepoConfig;
    const resolved = resolveProjects(config, tree, ["env/common.hcl"], [terraformDetector, terragruntDetector]);
    expect(resolved.all.map((p) => `${p.runner}:${p.dir}`)).toEqual(["terragrunt:env/prod/db"]);
  });
});

describe("discovery of a PR's Terragrunt files is bounded (they are parsed on the server, outside the sandbox)", () => {
  /** One shared root.hcl naming `refs` files, included by `units` tiny units. */
  const shared = (units: number, refs: number) => {
    const files: Record<string, string> = {
      "root.hcl": `locals {\n${Array.from({ length: refs }, (_, i) => `  a${i} = file("d/${i}")\n`).join("")}}\n`,
    };
    for (let u = 0; u < units; u++) files[`u/${u}/terragrunt.hcl`] = 'include "r" {\n  path = find_in_parent_folders("root.hcl")\n}\n';
    return files;
  };
  const pairs = (found: ReturnType<typeof discoverTerragruntUnits>) => [...found.units.values()].reduce((n, u) => n + u.reads.size, 0);

  it("600 units sharing a file that names 20,000 others keep at most the bound, and each is planned on any change", async () => {
    const found = discoverTerragruntUnits(await treeOf(shared(600, 20_000)));
    expect(found.projects).toHaveLength(600);
    // Unbounded, this tree made 12 million why-lines (3.5 GB).
    expect(pairs(found)).toBeLessThanOrEqual(DISCOVERY_BOUNDS.pairs);
    const units = [...found.units.values()];
    expect(units.every((u) => u.reads.size <= DISCOVERY_BOUNDS.filesPerUnit)).toBe(true);
    expect(units.every((u) => u.everyChange !== undefined)).toBe(true);
    expect(units[0]?.problems.join("\n")).toContain("more than Sluice follows: it is planned on every change");
    // What a unit reads past the bound is not known: a change anywhere plans it, never misses it.
    const tree = await treeOf(shared(600, 20_000));
    expect(terragruntDetector.detect(tree, ["d/19999"]).affected).toHaveLength(600);
  });

  it("control: the same shape within the bounds follows every file, and a change plans only the units that read it", async () => {
    const tree = await treeOf({ ...shared(3, 50), "other/terragrunt.hcl": 'locals {\n  x = "y"\n}\n' });
    const found = discoverTerragruntUnits(tree);
    expect([...found.units.values()].every((u) => u.everyChange === undefined)).toBe(true);
    expect(pairs(found)).toBe(3 * 51);
    expect(terragruntDetector.detect(tree, ["u/0/d/49"]).affected.map((p) => p.dir)).toEqual(["u/0"]);
    expect(terragruntDetector.detect(tree, ["root.hcl"]).affected.map((p) => p.dir)).toEqual(["u/0", "u/1", "u/2"]);
  });

  it("a long chain of reads gives why-lines of bounded length", async () => {
    const files: Record<string, string> = { "u/terragrunt.hcl": 'locals {\n  c = read_terragrunt_config("../c/0.hcl")\n}\n' };
    for (let i = 0; i < 300; i++) files[`c/${i}.hcl`] = `locals {\n  c = read_terragrunt_config("${i + 1}.hcl")\n}\n`;
    const unit = discoverTerragruntUnits(await treeOf(files)).units.get("u");
    expect(unit?.reads.size).toBe(301);
    expect(Math.max(...[...(unit?.reads.values() ?? [])].map((l) => l.length))).toBeLessThan(700);
    expect(unit?.reads.get("c/300.hcl")).toContain("`c/300.hcl`");
  });
});
