import { describe, expect, it } from "vitest";
import type { ProjectFilter } from "../../src/model/command.js";
import type { Project } from "../../src/model/project.js";
import { type ProjectSelection, selectProjects } from "../../src/projects/select-projects.js";

const tf = (dir: string, workspace = "default", name = dir): Project => ({ name, dir, workspace, runner: "terraform" });

const ALL = [tf("."), tf("dns"), tf("envs/prod"), tf("envs/staging"), tf("network")];
const AFFECTED = [tf("envs/prod"), tf("envs/staging")];

describe("selectProjects (autodiscovered projects)", () => {
  it.each<[string, ProjectFilter, ProjectSelection]>([
    ["no filter: the affected projects", {}, { projects: AFFECTED }],
    ["explicitly undefined fields are no filter", { project: undefined, dir: undefined }, { projects: AFFECTED }],
    ["-p picks among all, even unaffected", { project: "network" }, { projects: [tf("network")] }],
    ["-p root", { project: "." }, { projects: [tf(".")] }],
    ["-p unknown", { project: "nope" }, { error: "no project named `nope`; known: `.`, `dns`, `envs/prod`, `envs/staging`, `network`" }],
    ["-d picks among all", { dir: "dns" }, { projects: [tf("dns")] }],
    ["-d root", { dir: "." }, { projects: [tf(".")] }],
    ["-d with no project", { dir: "envs" }, { error: "no Terraform project in `envs`" }],
    ["-p and -d agree", { project: "dns", dir: "dns" }, { projects: [tf("dns")] }],
    ["-p and -d disagree", { project: "dns", dir: "network" }, { error: "project `dns` is not in `network`" }],
    [
      "-d -w: same dir, that workspace",
      { dir: "envs/prod", workspace: "staging" },
      { projects: [tf("envs/prod", "staging", "envs/prod@staging")] },
    ],
    ["-p -w", { project: "network", workspace: "blue" }, { projects: [tf("network", "blue", "network@blue")] }],
    ["-d -w default", { dir: "dns", workspace: "default" }, { projects: [tf("dns")] }],
    [
      "-w alone: the affected dirs in that workspace",
      { workspace: "staging" },
      { projects: [tf("envs/prod", "staging", "envs/prod@staging"), tf("envs/staging", "staging", "envs/staging@staging")] },
    ],
    ["-p -d -w", { project: "dns", dir: "dns", workspace: "x" }, { projects: [tf("dns", "x", "dns@x")] }],
    [
      "-p unknown with -w",
      { project: "nope", workspace: "x" },
      { error: "no project named `nope`; known: `.`, `dns`, `envs/prod`, `envs/staging`, `network`" },
    ],
    [
      "user input is quoted safely",
      { project: "a`b" },
      { error: "no project named ``a`b``; known: `.`, `dns`, `envs/prod`, `envs/staging`, `network`" },
    ],
  ])("%s", (_name, filter, expected) => {
    expect(selectProjects(ALL, AFFECTED, filter)).toEqual(expected);
  });

  it("-w alone with nothing affected selects nothing", () => {
    expect(selectProjects(ALL, [], { workspace: "x" })).toEqual({ projects: [] });
  });

  it("lists at most 20 known names", () => {
    const many = Array.from({ length: 25 }, (_, i) => tf(`p${String(i).padStart(2, "0")}`));
    const listed = many
      .slice(0, 20)
      .map((p) => `\`${p.name}\``)
      .join(", ");
    expect(selectProjects(many, [], { project: "x" })).toEqual({
      error: `no project named \`x\`; known: ${listed} and 5 more`,
    });
  });

  it("says so when there are no projects at all", () => {
    expect(selectProjects([], [], { project: "x" })).toEqual({
      error: "no project named `x`; this repository has no projects",
    });
  });

  it("sorts and de-duplicates", () => {
    expect(selectProjects(ALL, [tf("b"), tf("a"), tf("b")], {})).toEqual({ projects: [tf("a"), tf("b")] });
  });
});

describe("selectProjects (configured workspaces)", () => {
  const all = [tf("app", "prod", "app-prod"), tf("app", "dev", "app-dev"), tf("db", "default", "db")];

  it.each<[string, ProjectFilter, ProjectSelection]>([
    ["-d: every workspace of the dir", { dir: "app" }, { projects: [tf("app", "dev", "app-dev"), tf("app", "prod", "app-prod")] }],
    ["-d -w configured", { dir: "app", workspace: "prod" }, { projects: [tf("app", "prod", "app-prod")] }],
    ["-p picks one", { project: "app-dev" }, { projects: [tf("app", "dev", "app-dev")] }],
    [
      "-p -w mismatch",
      { project: "app-dev", workspace: "prod" },
      { error: "workspace `prod` is not configured for `app` (configured: `dev`)" },
    ],
    ["-d -w unknown", { dir: "app", workspace: "qa" }, { error: "workspace `qa` is not configured for `app` (configured: `dev`, `prod`)" }],
  ])("%s", (_name, filter, expected) => {
    expect(selectProjects(all, [], filter, { strictWorkspaces: true })).toEqual(expected);
  });

  it("without strictWorkspaces an exact workspace match is still preferred", () => {
    expect(selectProjects(all, [], { dir: "app", workspace: "prod" })).toEqual({ projects: [tf("app", "prod", "app-prod")] });
  });
});
