// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform (HCL) text, whose ${…} is HCL's
import { describe, expect, it } from "vitest";
import { findFileReads } from "../../runners/terraform/find-file-reads.js";
import { findModuleSources } from "../../runners/terraform/find-module-sources.js";
import { affectedProjects } from "../../runners/terraform/affected-projects.js";
import { readRepoTree } from "../../src/repo-reading/read-repo-tree.js";

// A PR's Terraform projects from what each project reads: its dir's configuration, its modules,
// and the files its code (or a module's) reads, wherever they are. Nothing else plans.

describe("findFileReads", () => {
  it.each<[string, string, unknown[]]>([
    ["file with path.module", 'x = file("${path.module}/a.yaml")', [{ fn: "file", base: "module", path: "a.yaml" }]],
    ["yamldecode(file(…))", 'x = yamldecode(file("${path.module}/cfg/a.yaml"))', [{ fn: "file", base: "module", path: "cfg/a.yaml" }]],
    [
      "templatefile with path.root",
      'x = templatefile("${path.root}/t/u.tpl", {})',
      [{ fn: "templatefile", base: "root", path: "t/u.tpl" }],
    ],
    ["path.cwd is the root", 'x = file("${path.cwd}/a")', [{ fn: "file", base: "root", path: "a" }]],
    ["a relative literal is relative to the root", 'x = file("cfg/a.json")', [{ fn: "file", base: "root", path: "cfg/a.json" }]],
    ["an absolute path is outside the repo", 'x = file("/etc/hosts")', []],
    [
      "fileset with a bare path.module",
      'x = fileset(path.module, "f/*.yaml")',
      [{ fn: "fileset", base: "module", path: "", pattern: "f/*.yaml" }],
    ],
    [
      "the factory pattern: fileset, then file of each",
      'x = { for f in fileset("${path.module}/factory", "*.yaml") : f => yamldecode(file("${path.module}/factory/${f}")) }',
      [{ fn: "fileset", base: "module", path: "factory", pattern: "*.yaml" }],
    ],
    ["a computed path", "x = file(var.path)", [{ fn: "file", computed: true }]],
    ["a computed name under the module", 'x = file("${path.module}/${var.name}.yaml")', [{ fn: "file", computed: true, under: "module" }]],
    [
      "a path string for another reader (archive_file)",
      'source_dir = "${path.module}/lambda"',
      [{ fn: "path", base: "module", path: "lambda" }],
    ],
    [
      "climbing out of the module",
      'x = file("${path.module}/../../boot/a.yaml")',
      [{ fn: "file", base: "module", path: "../../boot/a.yaml" }],
    ],
    ["not in comments", '# file("${path.module}/a")\n// file("b")\n/* templatefile("c", {}) */', []],
    ["not an attribute named file", 'file = "a.txt"', []],
  ])("%s", (_, text, reads) => {
    expect(findFileReads(text)).toEqual(reads);
  });
});

/** A repository given as files and texts, read as a job reads it. */
async function repo(files: Record<string, string>) {
  const texts = new Map(Object.entries(files));
  return readRepoTree(async (select) => new Map([...texts].filter(([path]) => select(path))), Object.keys(files));
}

const MONOREPO = {
  "README.md": "# infra\n",
  "CHANGELOG.md": "",
  ".github/workflows/ci.yml": "on: push\n",
  "envs/prod/main.tf":
    'module "eks" {\n  source = "../../modules/eks"\n}\nlocals {\n  ud = templatefile("${path.module}/assets/user-data.tpl", {})\n}\n',
  "envs/prod/assets/user-data.tpl": "#!/bin/sh\n",
  "envs/prod/README.md": "",
  "envs/prod/tests/fixture.tfvars": "x = 1\n",
  "envs/staging/main.tf": 'module "eks" {\n  source = "../../modules/eks"\n}\n',
  "modules/eks/main.tf": 'locals {\n  addons = yamldecode(file("${path.module}/../../bootstrap/addons.yaml"))\n}\n',
  "modules/eks/README.md": "",
  "modules/eks/CHANGELOG.md": "",
  "bootstrap/addons.yaml": "a: 1\n",
  "stages/network/main.tf":
    'locals {\n  subnets = { for f in fileset("${path.module}/data/subnets", "*.yaml") : f => yamldecode(file("${path.module}/data/subnets/${f}")) }\n}\n',
  "stages/network/data/subnets/a.yaml": "",
  "stages/network/data/subnets/README.md": "",
  "stages/dynamic/main.tf": "locals {\n  c = file(var.config)\n}\n",
  "stages/dynamic/conf/x.json": "",
};

async function planned(changed: string[]) {
  const tree = await repo(MONOREPO);
  return affectedProjects(tree, changed).map((p) => ({ dir: p.dir, why: p.why }));
}

describe("affectedProjects from what each project reads", () => {
  it.each([
    ["a README at the root", ["README.md"]],
    ["a CHANGELOG and CI files", ["CHANGELOG.md", ".github/workflows/ci.yml"]],
    ["a module's README and CHANGELOG", ["modules/eks/README.md", "modules/eks/CHANGELOG.md"]],
    ["a project's README", ["envs/prod/README.md"]],
    ["test tfvars no project reads", ["envs/prod/tests/fixture.tfvars"]],
    ["a file in the factory dir the pattern leaves out", ["stages/network/data/subnets/README.md"]],
  ])("%s plans nothing", async (_, changed) => {
    expect(await planned(changed)).toEqual([]);
  });

  it("a template the project reads plans the project", async () => {
    expect(await planned(["envs/prod/assets/user-data.tpl"])).toEqual([
      { dir: "envs/prod", why: ["`envs/prod/assets/user-data.tpl`, read by the project (`templatefile`)"] },
    ]);
  });

  it("a file a module reads from outside any Terraform dir plans every project using the module", async () => {
    const why = ["`bootstrap/addons.yaml`, read by module `modules/eks` (`file`)"];
    expect(await planned(["bootstrap/addons.yaml"])).toEqual([
      { dir: "envs/prod", why },
      { dir: "envs/staging", why },
    ]);
  });

  it("a file of a fileset factory dir plans the stage reading it", async () => {
    expect(await planned(["stages/network/data/subnets/a.yaml"])).toEqual([
      { dir: "stages/network", why: ["`stages/network/data/subnets/a.yaml`, read by the project (`fileset`)"] },
    ]);
  });

  it("a computed read counts the reading dir's tree, and says so", async () => {
    expect(await planned(["stages/dynamic/conf/x.json"])).toEqual([
      {
        dir: "stages/dynamic",
        why: ["`stages/dynamic/conf/x.json`, under `stages/dynamic`, which `file` in the project may read (a computed path)"],
      },
    ]);
  });

  it("module configuration still reaches every user, and several reasons are listed", async () => {
    expect(await planned(["modules/eks/main.tf", "envs/prod/assets/user-data.tpl"])).toEqual([
      {
        dir: "envs/prod",
        why: ["`modules/eks/main.tf`, in module `modules/eks`", "`envs/prod/assets/user-data.tpl`, read by the project (`templatefile`)"],
      },
      { dir: "envs/staging", why: ["`modules/eks/main.tf`, in module `modules/eks`"] },
    ]);
  });
});

describe("findFileReads inside interpolations", () => {
  it("finds a read in a template of a string, and in a heredoc-free nested one", () => {
    expect(findFileReads('input = "${var.n}-${sha1(file("${path.module}/../s.yaml"))}"')).toEqual([
      { fn: "file", base: "module", path: "../s.yaml" },
    ]);
  });
});

describe("readRepoTree's tfMayRead", () => {
  it("names the dirs whose Terraform code may read a file, and those it did not read", async () => {
    const tree = await repo({
      "modules/plain/main.tf": 'variable "n" {}\noutput "n" {\n  value = var.n\n}\n',
      "modules/plain/examples/a/notes.md": "",
      "modules/tpl/main.tf": 'output "t" {\n  value = templatefile("${path.module}/t/x.tpl", {})\n}\n',
      "modules/zip/main.tf": 'data "archive_file" "z" {\n  source_dir = path.module\n}\n',
      "modules/json/main.tf.json": '{"output": {"f": {"value": "${file(\\"${path.module}/x\\")}"}}}',
      "modules/tofu/main.tofu": 'output "x" {\n  value = 1\n}\n',
      "modules/tofu/main.tf": "",
      "envs/prod/main.tf": 'module "p" {\n  source = "../../modules/plain"\n}\n',
    });
    expect([...(tree.tfMayRead ?? [])].sort()).toEqual(["modules/json", "modules/tofu", "modules/tpl", "modules/zip"]);
  });

  it("names a dir whose code may reach a dir below it, judged on the raw text: no misread construct hides it", async () => {
    const tree = await repo({
      // Not flagged: sources that cannot lead below (a registry module, a provider, a sibling).
      "m/plain/main.tf":
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\nmodule "dns" {\n  source = "../dns"\n}\nterraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}\nresource "aws_iam_role" "r" {\n  path = "/"\n}\n',
      "m/plain.json/main.tf.json": '{"module": {"dns": {"source": "../dns"}}}',
      // Flagged: a local module below, however written or hidden from the lexers.
      "m/sub/main.tf": 'module "sub" {\n  source = "./sub"\n}\n',
      "m/self/main.tf": 'module "sub" {\n  source = "../self/sub"\n}\n',
      "m/sub.json/main.tf.json": '{"module": {"sub": {"source": "./sub"}}}',
      "m/twice.json/main.tf.json": '{"module": {"s": {"source": "./sub"}}, "module": {"t": {"source": "registry.example/x/y"}}}',
      "m/backslash/main.tf": 'module "sub" {\n  source = ".\\\\sub"\n}\n',
      "m/templated/main.tf": 'module "sub" {\n  source = "./${var.d}"\n}\n',
      "m/expression/main.tf": 'module "sub" {\n  source = local.dir\n}\n',
      "m/commented/main.tf": 'module "s" {\n  source /* "x" */ = "../elsewhere"\n}\n',
      "m/heredoc/main.tf": 'locals {\n  a = <<ÉOT\n{\nÉOT\n}\nmodule "s" {\n  source = "./sub"\n}\n',
      "m/newline/main.tf": 'locals {\n  a = "${\n  1}" == "{{"\n}\nmodule "s" {\n  source = "./sub"\n}\n',
      "m/escaped/main.tf.json": '{"module": {"sub": {"source": ".\\/sub"}}}',
      // Flagged: a path reference, however spaced or commented, or escaped in JSON.
      "m/unicode/main.tf.json": '{"output": {"d": {"value": "${path\\u002emodule}"}}}',
      "m/spaced/main.tf": 'data "archive_file" "z" {\n  source_dir = path. module\n}\n',
      "m/comment-path/main.tf": 'data "local_file" "x" {\n  filename = "${path /* c */ .module}/files/x.yaml"\n}\n',
    });
    expect([...(tree.tfMayRead ?? [])].sort()).toEqual([
      "m/backslash",
      "m/comment-path",
      "m/commented",
      "m/escaped",
      "m/expression",
      "m/heredoc",
      "m/newline",
      "m/self",
      "m/spaced",
      "m/sub",
      "m/sub.json",
      "m/templated",
      "m/twice.json",
      "m/unicode",
    ]);
  });

  it("a Terraform file too large to read counts as one that may read", async () => {
    const files = { "modules/big/main.tf": "", "modules/small/main.tf": "" };
    // The reader leaves out what it would not read (a file over the size limit).
    const tree = await readRepoTree(
      async (select) => new Map(Object.entries(files).filter(([path]) => select(path) && path !== "modules/big/main.tf")),
      Object.keys(files),
    );
    expect([...(tree.tfMayRead ?? [])]).toEqual(["modules/big"]);
  });
});

describe("a PR's file nesting template strings deeper than the stack", () => {
  const deep = (n: number) => `locals { x = ${'"${'.repeat(n)}file("a.yaml")${'}"'.repeat(n)} }\nmodule "m" { source = "./m" }\n`;

  it("is read, not a failed job: what it reads is unknown, so its whole tree counts; its module sources are found", () => {
    // Before: "Maximum call stack size exceeded" out of the lexer, failing the plan job for every PR.
    expect(findFileReads(deep(10_000))).toEqual([{ fn: "file", computed: true }]);
    expect(findModuleSources(deep(10_000))).toEqual(["./m"]);
  });

  it("control: a read nested within what is read is found by its path", () => {
    expect(findFileReads(deep(3))).toEqual([{ fn: "file", base: "root", path: "a.yaml" }]);
  });
});
