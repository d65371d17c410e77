import { describe, expect, it } from "vitest";
import type { TfRead } from "../../src/model/project-tree.js";
import { affectedProjects } from "../../runners/terraform/affected-projects.js";
import type { RepoTree } from "../../runners/terraform/discover-terraform-projects.js";

// A PR's Terraform code writes the `fileset(path.module, "…")` pattern and its files' names:
// picomatch's backtracking regexp took hours for `*a*a*…*b` against a long name of `a`s, in the
// job thread that runs every job.
const affected = (pattern: string, file: string) => {
  const read: TfRead = { fn: "fileset", base: "module", path: "", pattern };
  const tree: RepoTree = { files: ["app/main.tf", file], tfSources: new Map(), tfReads: new Map([["app", [read]]]) };
  return affectedProjects(tree, [file]).map((p) => p.dir);
};

describe("fileset() patterns against hostile file names", () => {
  it("a pattern that backtracks without end stops the job with the reason, at once (attack)", () => {
    const pattern = `${"*a".repeat(12)}*b`;
    const started = performance.now();
    expect(() => affected(pattern, `app/${"a".repeat(60)}`)).toThrow(
      "the files Terraform code reads (`fileset`, `file`, …) took longer than 5 s to match the changed files: a `fileset` pattern with many `*` backtracks on a long name; write it with fewer wildcards",
    );
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it("an ordinary pattern still plans the project that reads the file (control)", () => {
    expect(affected("*.yaml", "app/x.yaml")).toEqual(["app"]);
    expect(affected("*.yaml", "app/x.json")).toEqual([]);
  });
});
