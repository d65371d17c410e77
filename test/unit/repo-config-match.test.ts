import { posix } from "node:path";
import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { TF_DEFAULT, tf } from "../support/project-config.js";
import { defaultRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { projectsForChanges } from "../../src/config/repo/match-when-modified.js";
import type { ProjectConfig, RepoConfig } from "../../src/model/repo-config.js";

const project = (dir: string, whenModified: string[] = TF_DEFAULT, more: Partial<ProjectConfig> = {}): ProjectConfig =>
  tf(dir, { name: `${dir}:${whenModified.join(",")}`, autoplan: { enabled: true, whenModified }, ...more });

const config = (projects: ProjectConfig[]): RepoConfig => ({ ...defaultRepoConfig(), projects });
const matched = (projects: ProjectConfig[], files: string[]) => projectsForChanges(config(projects), files).map((p) => p.name);
const hits = (dir: string, whenModified: string[], file: string) =>
  projectsForChanges(config([project(dir, whenModified)]), [file]).length === 1;

describe("projectsForChanges", () => {
  it.each<[string, string, string[], string, boolean]>([
    ["default globs, top level", "envs/prod", TF_DEFAULT, "envs/prod/main.tf", true],
    ["default globs, nested", "envs/prod", TF_DEFAULT, "envs/prod/modules/x/variables.tf", true],
    ["default globs, lock file", "envs/prod", TF_DEFAULT, "envs/prod/.terraform.lock.hcl", true],
    ["default globs, other files", "envs/prod", TF_DEFAULT, "envs/prod/README.md", false],
    ["a sibling dir sharing the prefix", "envs/prod", TF_DEFAULT, "envs/production/main.tf", false],
    ["a parent dir", "envs/prod", TF_DEFAULT, "envs/main.tf", false],
    ["the root project", ".", TF_DEFAULT, "a/b/c.tfvars", true],
    ["`*.tf` is top level only", "app", ["*.tf"], "app/sub/x.tf", false],
    ["`*.tf` at top level", "app", ["*.tf"], "app/x.tf", true],
    [
      "`../modules/**/*.tf` from project1 (the Atlantis docs' example)",
      "project1",
      ["../modules/**/*.tf"],
      "modules/module1/submodule/main.tf",
      true,
    ],
    ["`../modules/**` from a nested dir", "envs/prod", ["../../modules/**"], "modules/vpc/templates/user-data.sh", true],
    ["`../modules/**` does not reach elsewhere", "envs/prod", ["../../modules/**"], "envs/modules/vpc/main.tf", false],
    ["`./` prefixes", "app", ["./src/*.tf"], "app/src/x.tf", true],
    ["a plain dir matches everything under it", "app", ["templates"], "app/templates/a/b.txt", true],
    ["a plain file", "app", ["Makefile"], "app/Makefile", true],
    ["a plain file does not match its prefix", "app", ["Makefile"], "app/Makefile.bak", false],
    ["`*` matches files in subdirs (via their dir)", "app", ["*"], "app/sub/x.txt", true],
    ["`**/*` matches hidden files", "chart", ["**/*"], "chart/.helmignore", true],
    ["globs see dot dirs", "app", ["**/*.tf"], "app/.hidden/x.tf", true],
    ["`?` and classes", "app", ["v?/[ab].tf"], "app/v1/b.tf", true],
    // moby's matcher (Atlantis'): braces are literal, `\\` escapes, `**.tf` is a suffix match.
    ["braces are literal", "app", ["*.{tf,hcl}"], "app/x.hcl", false],
    ["braces match themselves", "app", ["*.{tf,hcl}"], "app/x.{tf,hcl}", true],
    ["a backslash escapes a glob character", "app", ["\\*.tf"], "app/*.tf", true],
    ["an escaped star is not a glob", "app", ["\\*.tf"], "app/x.tf", false],
    ["`**.tf` at the start matches any depth", ".", ["**.tf"], "a/b/c.tf", true],
    // Joined to a dir, `**` is `(.*/)?`: `app/**.tf` matches only files named `.tf`.
    ["`**.tf` joined to a project dir matches only `.tf` itself", "app", ["**.tf"], "app/b/c.tf", false],
    ["the default catches terragrunt.hcl", "live/prod", TF_DEFAULT, "live/prod/terragrunt.hcl", true],
    ["the default catches .tofu files", "app", TF_DEFAULT, "app/main.tofu", true],
    ["the default catches templates (`*.tf*`)", "app", TF_DEFAULT, "app/templates/user-data.tftpl", true],
    ["a pattern above the root never matches", ".", ["../modules/**/*.tf"], "modules/a/main.tf", false],
    ["a leading `/` is joined to the dir", "app", ["/src/*.tf"], "app/src/x.tf", true],
    ["an empty pattern is the dir itself", "app", [""], "app/any/file.md", true],
    ["whitespace around a pattern is trimmed", "app", ["  *.tf  "], "app/x.tf", true],
  ])("%s", (_, dir, globs, file, expected) => {
    expect(hits(dir, globs, file)).toBe(expected);
  });

  it.each<[string, string[], string, boolean]>([
    ["an exclusion removes a match", ["**/*.tf", "!**/test/**"], "app/test/x.tf", false],
    ["an exclusion leaves other matches", ["**/*.tf", "!**/test/**"], "app/x.tf", true],
    ["a later inclusion wins again", ["**/*", "!docs/**", "docs/keep.md"], "app/docs/keep.md", true],
    ["an exclusion before the inclusion does nothing", ["!**/*.md", "**/*"], "app/a.md", true],
    ["an exclusion resolved against the dir", ["**/*", "!../app/gen/**"], "app/gen/x.tf", false],
  ])("%s", (_, globs, file, expected) => {
    expect(hits("app", globs, file)).toBe(expected);
  });

  it("decides per file: one file excluded, another included", () => {
    expect(hits("app", ["**/*.tf", "!**/test/**"], "app/test/x.tf")).toBe(false);
    const both = projectsForChanges(config([project("app", ["**/*.tf", "!**/test/**"])]), ["app/test/x.tf", "app/y.tf"]);
    expect(both).toHaveLength(1);
  });

  it("skips projects whose autoplan is disabled", () => {
    const off = project("a", TF_DEFAULT, { name: "off", autoplan: { enabled: false, whenModified: TF_DEFAULT } });
    expect(matched([off, project("a", TF_DEFAULT, { name: "on", workspace: "w" })], ["a/main.tf"])).toEqual(["on"]);
  });

  it("keeps config order, once per project, for every workspace of a dir", () => {
    const projects = [
      project("b", TF_DEFAULT, { name: "b" }),
      project("a", TF_DEFAULT, { name: "a-staging", workspace: "staging" }),
      project("a", TF_DEFAULT, { name: "a-prod", workspace: "prod" }),
      project("c", TF_DEFAULT, { name: "c" }),
    ];
    expect(matched(projects, ["a/x.tf", "b/y.tf", "a/z.tf", "b/y.tf"])).toEqual(["b", "a-staging", "a-prod"]);
  });

  it("cleans changed paths and drops ones outside the repo", () => {
    expect(hits("app", TF_DEFAULT, "./app//main.tf")).toBe(true);
    expect(hits("app", TF_DEFAULT, "app/sub/../main.tf")).toBe(true);
    expect(hits(".", TF_DEFAULT, "../outside.tf")).toBe(false);
    expect(projectsForChanges(config([project(".", ["**"])]), [])).toEqual([]);
  });

  it("skips patterns a hand-built config got wrong instead of matching wrongly", () => {
    expect(hits("app", ["../../../**", "/abs/**", "*.tf"], "x.tf")).toBe(false);
    expect(hits("app", ["../../../**", "*.tf"], "app/x.tf")).toBe(true);
  });

  it("picks the right projects among 1,000 over 20,000 changed files", () => {
    const projects: ProjectConfig[] = [];
    for (let i = 0; i < 1000; i++) {
      const dir = `envs/e${i % 10}/p${i}`;
      if (i % 4 === 0) projects.push(project(dir, TF_DEFAULT, { name: `p${i}` }));
      else if (i % 4 === 1) projects.push(project(dir, ["*.tf", `../../../modules/m${i}/**`], { name: `p${i}` }));
      else if (i % 4 === 2) projects.push(project(dir, ["**/*", "!**/*.md"], { name: `p${i}` }));
      else projects.push(project(dir, TF_DEFAULT, { name: `p${i}`, autoplan: { enabled: false, whenModified: TF_DEFAULT } }));
    }
    const files: string[] = [];
    const expected = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const dir = `envs/e${i % 10}/p${i}`;
      // Noise every project ignores: docs, and a sibling whose name shares the prefix.
      for (let k = 0; k < 15; k++) files.push(`${dir}/docs/page${k}.md`, `${dir}-old/v${k}.tf`);
      if (i % 7 !== 0) continue;
      // Every seventh project gets a change it reacts to.
      if (i % 4 === 0) files.push(`${dir}/nested/x.tfvars`);
      if (i % 4 === 1) files.push(`modules/m${i}/templates/init.sh`);
      if (i % 4 === 2) files.push(`${dir}/values.yaml`);
      if (i % 4 === 3) files.push(`${dir}/main.tf`);
      if (i % 4 !== 3) expected.add(`p${i}`);
    }
    expect(files.length).toBeGreaterThanOrEqual(20_000);
    const names = matched(projects, files);
    expect(names).toEqual(projects.map((p) => p.name).filter((n) => expected.has(n)));
  });
});

// A slow, obvious reading of Atlantis' rule (filepath.Join + moby's MatchesOrParentMatches, with
// picomatch for the globs: they agree on the shapes generated below), to check the port against.
function reference(projects: readonly ProjectConfig[], files: readonly string[]): string[] {
  return projects
    .filter((p) => p.autoplan.enabled)
    .filter((p) => {
      const patterns = p.autoplan.whenModified.map((raw) => {
        const exclude = raw.startsWith("!");
        const glob = posix.join(p.dir, exclude ? raw.slice(1) : raw);
        return { exclude, test: picomatch(glob, { dot: true }) };
      });
      return files.some((file) => {
        let matched = false;
        const segments = file.split("/");
        // The file, or any of its parent dirs (moby's MatchesOrParentMatches).
        const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
        for (const pat of patterns) {
          if (pat.exclude !== matched) continue;
          if (candidates.some((c) => pat.test(c))) matched = !pat.exclude;
        }
        return matched;
      });
    })
    .map((p) => p.name);
}

describe("projectsForChanges agrees with a direct reading of Atlantis' rule", () => {
  const dir = fc.array(fc.constantFrom("a", "b", "mod"), { maxLength: 3 }).map((s) => (s.length === 0 ? "." : s.join("/")));
  // Leaf names never equal a dir name: picomatch lets `b/**` match a file named `b`, moby does not.
  const file = fc
    .tuple(fc.array(fc.constantFrom("a", "b", "mod", ".hidden"), { maxLength: 3 }), fc.constantFrom("x.tf", "y.md", "c.tfvars", ".z"))
    .map(([dirs, leaf]) => [...dirs, leaf].join("/"));
  const dirPart = fc.constantFrom("*", "**", "a", "mod", ".hidden");
  const lastPart = fc.constantFrom("*", "**", "*.tf", "*.md", "a", "mod", "x.tf", "?.tf", ".z");
  const glob = fc
    .tuple(fc.constantFrom("", "!"), fc.constantFrom("", "../", "./"), fc.array(dirPart, { maxLength: 2 }), lastPart)
    .map(([neg, up, dirs, last]) => `${neg}${up}${[...dirs, last].join("/")}`);

  it("on random projects, globs and files", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dir, fc.array(glob, { minLength: 1, maxLength: 4 }), fc.boolean()), { maxLength: 8 }),
        fc.array(file, { maxLength: 12 }),
        (specs, files) => {
          const projects = specs.map(([d, globs, enabled], i) =>
            project(d, globs, { name: `p${i}`, autoplan: { enabled, whenModified: globs } }),
          );
          expect(projectsForChanges(config(projects), files).map((p) => p.name)).toEqual(reference(projects, files));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
