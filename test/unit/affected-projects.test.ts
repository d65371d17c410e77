import { describe, expect, it } from "vitest";
import type { Project } from "../../src/model/project.js";
import type { TfRead } from "../../src/model/project-tree.js";
import { affectedProjects } from "../../runners/terraform/affected-projects.js";
import { discoverTerraformProjects, type RepoTree } from "../../runners/terraform/discover-terraform-projects.js";

const tf = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terraform" });
const tree = (files: string[], sources: Record<string, string[]> = {}, reads: Record<string, TfRead[]> = {}): RepoTree => ({
  files,
  tfSources: new Map(Object.entries(sources)),
  tfReads: new Map(Object.entries(reads)),
});

// A typical monorepo: a root project, two environments sharing a vpc module that uses a subnets
// module, a standalone project with a nested non-Terraform folder, and things to ignore.
const REPO = tree(
  [
    "README.md",
    "main.tf",
    "versions.tf",
    ".terraform.lock.hcl",
    "envs/prod/main.tf",
    "envs/prod/terraform.tfvars",
    "envs/prod/.terraform.lock.hcl",
    "envs/prod/.terraform/modules/vpc/main.tf",
    "envs/prod/.terraform/providers/registry.terraform.io/x.tf",
    "envs/prod/vars/extra.tfvars.json",
    "envs/prod/README.md",
    "envs/staging/main.tf",
    "envs/staging/staging.tfvars",
    "modules/vpc/main.tf",
    "modules/vpc/variables.tf",
    "modules/vpc/templates/user-data.sh",
    "modules/vpc/README.md",
    "modules/subnets/main.tf",
    "modules/unused/main.tf",
    "dns/main.tf.json",
    "dns/scripts/gen.py",
    "node_modules/pkg/x.tf",
    ".git/hooks/x.tf",
    "docs/guide.md",
  ],
  {
    "envs/prod": ["../../modules/vpc"],
    "envs/staging": ["../../modules/vpc"],
    "modules/vpc": ["../subnets"],
    "envs/prod/.terraform/modules/vpc": ["../../../../modules/unused"],
  },
);

describe("discoverTerraformProjects", () => {
  it("finds projects and modules in a realistic tree", () => {
    const { projects, modules } = discoverTerraformProjects(REPO);
    expect(projects).toEqual([tf("."), tf("dns"), tf("envs/prod"), tf("envs/staging"), tf("modules/unused")]);
    expect(modules).toEqual(
      new Map([
        ["modules/vpc", new Set(["envs/prod", "envs/staging"])],
        ["modules/subnets", new Set(["modules/vpc"])],
      ]),
    );
  });

  it.each<[string, RepoTree, Project[], string[]]>([
    ["empty repo", tree([]), [], []],
    ["no terraform", tree(["a.md", "b/c.yaml"]), [], []],
    ["root only", tree(["main.tf"]), [tf(".")], []],
    ["tf.json counts", tree(["a/main.tf.json"]), [tf("a")], []],
    ["tfvars alone is not a terraform dir", tree(["a/x.tfvars", "a/.terraform.lock.hcl"]), [], []],
    ["paths with ./ and // are cleaned", tree(["./a//main.tf", "b/./main.tf"]), [tf("a"), tf("b")], []],
    ["ignored dirs anywhere", tree([".terraform/x.tf", "a/node_modules/b/x.tf", "a/.git/x.tf"]), [], []],
    ["a source escaping the repo is ignored", tree(["a/main.tf", "b/main.tf"], { a: ["../../b"] }), [tf("a"), tf("b")], []],
    ["a source to a dir without .tf is ignored", tree(["a/main.tf", "b/readme.md"], { a: ["../b"] }), [tf("a")], []],
    ["self reference is ignored", tree(["a/main.tf"], { a: ["./"] }), [tf("a")], []],
    ["remote sources and bare .. are ignored", tree(["a/main.tf", "b/main.tf"], { a: ["b", "git::../b", ".."] }), [tf("a"), tf("b")], []],
    ["sources from a dir that is not terraform are ignored", tree(["a/readme.md", "b/main.tf"], { a: ["../b"] }), [tf("b")], []],
    ["root as a module user, ./ sources", tree(["main.tf", "mod/main.tf"], { ".": ["./mod"] }), [tf(".")], ["mod"]],
    ["root used as a module by a subdir", tree(["main.tf", "wrapper/main.tf"], { wrapper: ["../"] }), [tf("wrapper")], ["."]],
    [
      "module cycle: both are modules, nothing loops",
      tree(["a/main.tf", "b/main.tf", "c/main.tf"], { a: ["../b"], b: ["../a"], c: ["../a"] }),
      [tf("c")],
      ["a", "b"],
    ],
  ])("%s", (_name, repo, projects, moduleDirs) => {
    const found = discoverTerraformProjects(repo);
    expect(found.projects).toEqual(projects);
    expect([...found.modules.keys()].sort()).toEqual(moduleDirs);
  });
});

describe("affectedProjects", () => {
  it.each<[string, string[], string[]]>([
    ["no changes", [], []],
    ["README at the root is ignored", ["README.md"], []],
    ["docs are ignored", ["docs/guide.md"], []],
    ["root .tf", ["main.tf"], ["."]],
    ["root lock file", [".terraform.lock.hcl"], ["."]],
    ["project .tf", ["envs/prod/main.tf"], ["envs/prod"]],
    ["project tfvars", ["envs/prod/terraform.tfvars"], ["envs/prod"]],
    ["project tfvars with another name", ["envs/staging/staging.tfvars"], ["envs/staging"]],
    // Terraform reads var files from the root module's dir (or a workflow names them there); one
    // in a subfolder is a test fixture or an example until the code reads it.
    ["tfvars.json in a subfolder of a project is not read", ["envs/prod/vars/extra.tfvars.json"], []],
    ["project lock file", ["envs/prod/.terraform.lock.hcl"], ["envs/prod"]],
    ["project README is ignored", ["envs/prod/README.md"], []],
    ["files under .terraform are ignored", ["envs/prod/.terraform/modules/vpc/main.tf"], []],
    ["node_modules and .git are ignored", ["node_modules/pkg/x.tf", ".git/hooks/x.tf"], []],
    ["tf.json project", ["dns/main.tf.json"], ["dns"]],
    ["non-terraform file in a project subfolder", ["dns/scripts/gen.py"], []],
    ["module change reaches both users", ["modules/vpc/main.tf"], ["envs/prod", "envs/staging"]],
    ["a module file nothing reads plans nothing", ["modules/vpc/templates/user-data.sh"], []],
    ["a module README plans nothing", ["modules/vpc/README.md"], []],
    ["module used by a module: transitive", ["modules/subnets/main.tf"], ["envs/prod", "envs/staging"]],
    ["unused module dir is its own project", ["modules/unused/main.tf"], ["modules/unused"]],
    [
      "several changes, sorted, no duplicates",
      ["modules/subnets/main.tf", "envs/prod/main.tf", "main.tf", "envs/prod/terraform.tfvars", "README.md"],
      [".", "envs/prod", "envs/staging"],
    ],
    ["paths with ./ are cleaned", ["./envs//prod/main.tf"], ["envs/prod"]],
    ["paths escaping the repo are ignored", ["../main.tf", "envs/../../x.tf"], []],
    ["a new file in a new non-terraform folder", ["tools/build.sh"], []],
    // deleted project dirs: the files are in the change but the dir has no .tf in the tree
    ["deleted project dir is not planned", ["envs/old/main.tf", "envs/old/terraform.tfvars"], []],
    ["deleted project dir leftovers are not pinned on the root", ["envs/old/.terraform.lock.hcl", "envs/old/main.tf"], []],
    ["deleted project dir with nested tfvars", ["envs/old/main.tf", "envs/old/vars/a.tfvars"], []],
    ["deleted root-level file of an existing project still counts", ["envs/prod/old.tf"], ["envs/prod"]],
  ])("%s", (_name, changed, dirs) => {
    expect(affectedProjects(REPO, changed).map((p) => p.dir)).toEqual(dirs);
  });

  it("returns the discovered project objects, with why", () => {
    expect(affectedProjects(REPO, ["envs/staging/main.tf"])).toEqual([{ ...tf("envs/staging"), why: ["`envs/staging/main.tf`"] }]);
    expect(affectedProjects(REPO, ["modules/subnets/main.tf"]).map((p) => p.why)).toEqual([
      ["`modules/subnets/main.tf`, in module `modules/subnets`"],
      ["`modules/subnets/main.tf`, in module `modules/subnets`"],
    ]);
  });

  it("stops on module cycles and still reaches the projects", () => {
    const repo = tree(["a/main.tf", "b/main.tf", "c/main.tf", "d/main.tf"], {
      a: ["../b"],
      b: ["../a"],
      c: ["../a"],
      d: ["../c"],
    });
    // c uses a, and d uses c, so c is a module too; d is the only project
    expect(affectedProjects(repo, ["b/main.tf"]).map((p) => p.dir)).toEqual(["d"]);
  });

  it("uses a given discovery result, with several workspaces per dir", () => {
    const discovered = {
      projects: [{ ...tf("app"), name: "app-prod", workspace: "prod" }, { ...tf("app"), name: "app-dev", workspace: "dev" }, tf("other")],
      modules: new Map<string, Set<string>>(),
    };
    const repo = tree(["app/main.tf", "other/main.tf"]);
    expect(affectedProjects(repo, ["app/main.tf"], discovered).map((p) => p.name)).toEqual(["app-dev", "app-prod"]);
  });

  it("maps a large synthetic monorepo correctly", () => {
    // 1,000 projects in 4 levels of folders, 100 modules (module i uses module i+1), 20,000 files.
    const files: string[] = [];
    const sources: Record<string, string[]> = {};
    const projectDir = (i: number) => `stacks/team${i % 10}/svc${i % 100}/p${i}`;
    const moduleDir = (m: number) => `modules/m${m}`;
    const reads: Record<string, TfRead[]> = {};
    for (let m = 0; m < 100; m++) {
      files.push(`${moduleDir(m)}/main.tf`, `${moduleDir(m)}/variables.tf`, `${moduleDir(m)}/files/a.json`);
      if (m < 99) sources[moduleDir(m)] = [`../m${m + 1}`];
      // Each module reads its JSON: `jsondecode(file("${path.module}/files/a.json"))`.
      reads[moduleDir(m)] = [{ fn: "file", base: "module", path: "files/a.json" }];
    }
    for (let i = 0; i < 1000; i++) {
      const dir = projectDir(i);
      files.push(`${dir}/main.tf`, `${dir}/terraform.tfvars`, `${dir}/README.md`);
      sources[dir] = [`${"../".repeat(4)}${moduleDir(i % 100)}`];
    }
    for (let f = 0; files.length < 20_000; f++) files.push(`docs/section${f % 50}/page${f}.md`);
    const repo = tree(files, sources, reads);

    const changed = [
      "modules/m98/main.tf", // used by m97 (and so on up to m0): every project using m0..m98
      ...Array.from({ length: 45 }, (_, k) => `${projectDir(k * 20 + 1)}/main.tf`),
      "docs/section1/page1.md",
      "stacks/team1/README.md",
      "modules/m99/files/a.json",
      "stacks/team0/svc0/p0/README.md",
    ];
    expect(changed).toHaveLength(50);

    const discovered = discoverTerraformProjects(repo);
    expect(discovered.projects).toHaveLength(1000);
    expect(discovered.modules.size).toBe(100);

    const affected = affectedProjects(repo, changed, discovered);
    // m99 is used (transitively) by every project: all 1,000 are affected, once each, in order.
    expect(affected).toHaveLength(1000);
    const dirs = affected.map((p) => p.dir);
    expect(dirs).toEqual([...dirs].sort());
    expect(new Set(dirs).size).toBe(1000);

    // Without the module changes only the 45 changed projects remain.
    const projectsOnly = affectedProjects(repo, changed.slice(1, 46), discovered);
    expect(projectsOnly.map((p) => p.dir)).toEqual(Array.from({ length: 45 }, (_, k) => projectDir(k * 20 + 1)).sort());

    // A change deep in the module chain reaches exactly the projects using that module or one above it.
    const deep = affectedProjects(repo, ["modules/m50/main.tf"], discovered);
    expect(deep).toHaveLength(510);
    expect(deep.every((p) => Number(/\/p(\d+)$/.exec(p.dir)?.[1]) % 100 <= 50)).toBe(true);
  });
});
