// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform (HCL) text, whose ${…} is HCL's
import { describe, expect, it } from "vitest";
import { PROJECT_DETECTORS } from "../../runners/registry.js";
import { findFileReads } from "../../runners/terraform/find-file-reads.js";
import { findModuleSources } from "../../runners/terraform/find-module-sources.js";
import type { ProjectTree, TfRead } from "../../src/model/project-tree.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { explainWhy } from "../../src/projects/explain-why.js";
import { resolveProjects } from "../../src/projects/resolve-projects.js";
import { symlinkAliases } from "../../src/projects/symlink-aliases.js";

// Symlinks are files of the tree whose text is the link (git's blob); `symlinks` says which.
function treeOf(files: Record<string, string>, symlinks: Record<string, string>): ProjectTree {
  const tfSources = new Map<string, string[]>();
  const tfReads = new Map<string, TfRead[]>();
  for (const [path, text] of Object.entries(files)) {
    if (!path.endsWith(".tf") || path in symlinks) continue;
    const dir = path.slice(0, path.lastIndexOf("/"));
    tfSources.set(dir, findModuleSources(text));
    tfReads.set(dir, findFileReads(text));
  }
  return { files: Object.keys(files), tfSources, tfReads, kustomizeRefs: new Map(), symlinks: new Map(Object.entries(symlinks)) };
}

const config = { projects: [], autodiscover: { enabled: true, ignore: [] }, source: "none" } as unknown as RepoConfig;

const FILES = {
  "common/providers.tf": 'terraform {\n  required_version = ">= 1.5"\n}\n',
  "envs/prod/main.tf": 'resource "terraform_data" "x" {\n  input = templatefile("${path.module}/shared/user-data.tpl", {})\n}\n',
  "envs/prod/providers.tf": "../../common/providers.tf",
  "envs/prod/shared": "../../shared",
  "shared/user-data.tpl": "#!/bin/sh\n",
  "envs/dev/main.tf": 'resource "terraform_data" "y" {}\n',
  "envs/dev/evil.tf": "/etc/passwd",
  "envs/dev/up": "../../../../outside",
};
const LINKS = {
  "envs/prod/providers.tf": "../../common/providers.tf",
  "envs/prod/shared": "../../shared",
  "envs/dev/evil.tf": "/etc/passwd",
  "envs/dev/up": "../../../../outside",
};

describe("a change read through a symlink inside the repository", () => {
  it("plans the project holding a symlink to a changed .tf file, and says through which link", () => {
    const r = resolveProjects(config, treeOf(FILES, LINKS), ["common/providers.tf"], PROJECT_DETECTORS);
    expect(r.affected.map((p) => [p.dir, p.why])).toEqual([
      ["common", ["`common/providers.tf`"]],
      ["envs/prod", ["`common/providers.tf` (through the symlink `envs/prod/providers.tf`)"]],
    ]);
    expect(explainWhy(r.affected, ["common/providers.tf"])).not.toContain("Changed files that plan no project");
  });

  it("plans the project reading a file under a symlinked dir (templatefile)", () => {
    const r = resolveProjects(config, treeOf(FILES, LINKS), ["shared/user-data.tpl"], PROJECT_DETECTORS);
    expect(r.affected.map((p) => [p.dir, p.why])).toEqual([
      ["envs/prod", ["`shared/user-data.tpl` (through the symlink `envs/prod/shared`), read by the project (`templatefile`)"]],
    ]);
  });

  it("links out of the repository lead nowhere; an unrelated change plans nothing through them", () => {
    expect(symlinkAliases(new Map(Object.entries(LINKS)), ["etc/passwd", "outside/x", "README.md"])).toEqual([]);
    const r = resolveProjects(config, treeOf(FILES, LINKS), ["README.md"], PROJECT_DETECTORS);
    expect(r.affected).toEqual([]);
  });
});
