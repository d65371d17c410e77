import { describe, expect, it } from "vitest";
import { goneAtMergeNote, goneNote, goneProjects } from "../../src/projects/gone-projects.js";

const base = [
  { name: "web", dir: "web", workspace: "default" },
  { name: "app", dir: "app", workspace: "default" },
];

describe("goneProjects: the base branch's projects a pull request deletes", () => {
  it("a project whose dir's files the pull request deletes, and whose dir holds no project in its head", () => {
    const gone = goneProjects(base, [{ dir: "app", workspace: "default" }], { files: ["app/main.tf"], changedFiles: ["web/main.tf"] });
    expect(gone.map((g) => g.name)).toEqual(["web"]);
    expect(goneNote(gone)).toContain("⚠️ This pull request deletes the project `web` (dir `web`, workspace `default`)");
  });

  it("control: a project still in the head, or one the head lacks whose dir the pull request did not touch (the base gained it since), is not gone", () => {
    const head = [{ dir: "web", workspace: "default" }];
    expect(goneProjects(base, head, { files: ["web/main.tf"], changedFiles: ["web/old.tf"] })).toEqual([]);
    expect(goneProjects(base, head, { files: ["web/main.tf", "README.md"], changedFiles: ["README.md"] })).toEqual([]);
    expect(goneNote([])).toBeUndefined();
  });

  it("a project the pull request's repo config no longer lists, its code kept, is named as taken out: its resources stay up too", () => {
    const head = [{ dir: "app", workspace: "default" }];
    const checkout = { files: [".sluice.yaml", "app/main.tf", "web/main.tf"], changedFiles: [".sluice.yaml"] };
    const gone = goneProjects(base, head, checkout);
    expect(gone).toEqual([{ name: "web", dir: "web", workspace: "default", how: "unlisted" }]);
    expect(goneNote(gone)).toContain(
      "⚠️ This pull request's repo config no longer makes the project `web` (dir `web`, workspace `default`) a project, though its code stays",
    );
    expect(goneAtMergeNote(gone)).toContain("nothing of it was applied at merge");
    // Atlantis' two names too, and the server's own name for Sluice's file (`repo_config_file`).
    for (const file of ["atlantis.yaml", "atlantis.yml"]) {
      expect(goneProjects(base, head, { ...checkout, changedFiles: [file] }).map((g) => g.how)).toEqual(["unlisted"]);
    }
    expect(goneProjects(base, head, { ...checkout, changedFiles: ["infra.yml"] }, "infra.yml").map((g) => g.how)).toEqual(["unlisted"]);
    // Control: another file of that name is no config where the server reads another.
    expect(goneProjects(base, head, { ...checkout, changedFiles: ["infra.yml"] })).toEqual([]);
  });

  it("control: a project renamed in the config at the same dir and workspace, or a config change that keeps every project, takes none away", () => {
    const checkout = { files: [".sluice.yaml", "app/main.tf", "web/main.tf"], changedFiles: [".sluice.yaml"] };
    // Renamed: the head's project at web/default is the same trusted project under another name.
    expect(
      goneProjects(
        base,
        [
          { dir: "app", workspace: "default" },
          { dir: "web", workspace: "default" },
        ],
        checkout,
      ),
    ).toEqual([]);
    // The base gained web after the branch: the head has neither its code nor a config change.
    expect(goneProjects(base, [{ dir: "app", workspace: "default" }], { files: ["app/main.tf"], changedFiles: ["app/main.tf"] })).toEqual(
      [],
    );
    // A config change, and web's dir holds nothing at the head: not a project the PR unlists.
    expect(
      goneProjects(base, [{ dir: "app", workspace: "default" }], {
        files: [".sluice.yaml", "app/main.tf"],
        changedFiles: [".sluice.yaml"],
      }),
    ).toEqual([]);
  });

  it("a deleted .sluice.yaml whose projects autodiscovery finds at other workspaces names them; an atlantis.yml added beside it names none", () => {
    const staged = [
      { name: "app-staging", dir: "app", workspace: "staging" },
      { name: "app-prod", dir: "app", workspace: "prod" },
    ];
    const deleted = { files: ["app/main.tf"], changedFiles: [".sluice.yaml"] };
    const gone = goneProjects(staged, [{ dir: "app", workspace: "default" }], deleted);
    expect(gone.map((g) => `${g.name}:${g.how}`)).toEqual(["app-staging:unlisted", "app-prod:unlisted"]);
    // atlantis.yml is ignored beside .sluice.yaml: the head keeps both projects.
    const added = { files: [".sluice.yaml", "atlantis.yml", "app/main.tf"], changedFiles: ["atlantis.yml"] };
    expect(goneProjects(staged, staged, added)).toEqual([]);
  });
});
