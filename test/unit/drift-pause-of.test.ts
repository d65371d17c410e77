import { describe, expect, it } from "vitest";
import { pauseOf } from "../../src/drift/pause-of.js";

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
