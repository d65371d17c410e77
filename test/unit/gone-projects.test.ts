import { describe, expect, it } from "vitest";
import { goneNote, goneProjects } from "../../src/projects/gone-projects.js";

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
});
