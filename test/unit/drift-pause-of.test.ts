import { describe, expect, it } from "vitest";
import { pauseOf, resumedNames } from "../../src/drift/pause-of.js";

const pause = (project: string) => ({
  repo: "acme/infra",
  project,
  actor: "sluice",
  reason: "interrupted",
  createdAt: "2026-11-26T00:00:00Z",
});
const live = [
  { project: "net", dir: "net", workspace: "default" },
  { project: "db", dir: "db", workspace: "default" },
];

describe("pauseOf: the pause that holds a project's reconciles", () => {
  it("is the one under its own name", () => {
    expect(pauseOf([pause("net")], live, { name: "net", dir: "net", workspace: "default" })?.project).toBe("net");
  });

  it("follows what is live in its dir and workspace when the project was renamed", () => {
    expect(pauseOf([pause("net")], live, { name: "core", dir: "net", workspace: "default" })?.project).toBe("net");
  });

  it("control: another place, or another workspace of the same dir, is not held by it", () => {
    expect(pauseOf([pause("net")], live, { name: "db", dir: "db", workspace: "default" })).toBeUndefined();
    expect(pauseOf([pause("net")], live, { name: "net-staging", dir: "net", workspace: "staging" })).toBeUndefined();
    expect(pauseOf([], live, { name: "net", dir: "net", workspace: "default" })).toBeUndefined();
  });
});

describe("resumedNames: what /drift resume -p PROJECT clears", () => {
  it("its own name, and the name it was paused under before a rename", () => {
    expect(resumedNames("core", pause("net"), ["core", "db"])).toEqual(["core", "net"]);
    expect(resumedNames("net", pause("net"), ["net"])).toEqual(["net"]);
  });

  it("control: never the pause of a project the branch still has (one that moved out of this place)", () => {
    expect(resumedNames("core", pause("net"), ["core", "net"])).toEqual(["core"]);
    expect(resumedNames("core", undefined, ["core"])).toEqual(["core"]);
  });
});
