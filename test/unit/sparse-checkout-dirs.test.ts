import { describe, expect, it } from "vitest";
import type { Project } from "../../src/model/project.js";
import { argvBytesOf, MAX_SPARSE_ARGV_BYTES, sparseCheckoutDirs } from "../../src/projects/sparse-checkout-dirs.js";

const tf = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terraform" });
const tree = (sources: Record<string, string[]>) => ({ tfSources: new Map(Object.entries(sources)) });

describe("sparseCheckoutDirs", () => {
  it("a project's dir and the local modules it uses, through modules using modules, each once", () => {
    const t = tree({
      "teams/a": ["../../modules/net", "git::https://example.com/x.git", "hashicorp/consul/aws"],
      "teams/b": ["./sub", "../../modules/net"],
      "modules/net": ["../dns"],
      "modules/dns": ["../net"],
    });
    expect(sparseCheckoutDirs(t, [tf("teams/a"), tf("teams/b")])).toEqual({
      sparse: true,
      dirs: ["modules/dns", "modules/net", "teams/a", "teams/b", "teams/b/sub"],
    });
  });

  it("a module dir no other project of the change uses stays out", () => {
    expect(sparseCheckoutDirs(tree({ "x/y": ["../m"], "z/w": ["../n"] }), [tf("x/y")])).toEqual({ sparse: true, dirs: ["x/m", "x/y"] });
  });

  it("every file when a module source leaves the repository, or for helm and kustomize projects", () => {
    expect(sparseCheckoutDirs(tree({ app: ["../../outside"] }), [tf("app")])).toMatchObject({ sparse: false });
    expect(sparseCheckoutDirs(tree({}), [tf("net"), { ...tf("charts/web"), runner: "helm" }])).toEqual({
      sparse: false,
      reason: "helm project charts/web may read files outside its dir",
    });
    expect(sparseCheckoutDirs(tree({}), [{ ...tf("k/prod"), runner: "kustomize" }])).toMatchObject({ sparse: false });
  });

  it("every file when a dir's name is one git's cone mode refuses or cannot write (`*?[]\\`, a line break)", () => {
    for (const dir of ["env[1]", "a*b", "x?", "back\\slash", "two\nlines"]) {
      expect(sparseCheckoutDirs(tree({}), [tf(dir)])).toEqual({ sparse: false, reason: expect.stringMatching(/cone mode/) });
    }
    const t = tree({ app: ["../mods/[x]"] });
    expect(sparseCheckoutDirs(t, [tf("app")])).toEqual({ sparse: false, reason: expect.stringMatching(/mods\/\[x\]/) });
  });

  it("every file when the dirs would take more than MAX_SPARSE_ARGV_BYTES of git's argv (E2BIG past 2 MB)", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => tf(`teams/${String(i).padStart(92, "x")}`));
    const fit = Math.floor(MAX_SPARSE_ARGV_BYTES / argvBytesOf(`teams/${"x".repeat(92)}`));
    expect(sparseCheckoutDirs(tree({}), many(fit)).sparse).toBe(true);
    expect(sparseCheckoutDirs(tree({}), many(fit + 1))).toEqual({ sparse: false, reason: expect.stringMatching(/more than/) });
    // Short names: many more dirs, each with the same overhead.
    expect(
      sparseCheckoutDirs(
        tree({}),
        Array.from({ length: 6000 }, (_, i) => tf(`t${i}`)),
      ).sparse,
    ).toBe(false);
  });

  it("OpenTofu projects are sparse as Terraform ones; the root project is `.`", () => {
    expect(sparseCheckoutDirs(tree({ ".": ["./modules/a"] }), [{ ...tf("."), runner: "opentofu" }])).toEqual({
      sparse: true,
      dirs: [".", "modules/a"],
    });
  });

  it("a local module dir whose code reads no file is shallow (its files, not its subdirs); a project's dir never", () => {
    const t = {
      tfSources: new Map(Object.entries({ "teams/a": ["../../modules/net", "../../modules/cfg"], "modules/net": ["../dns"] })),
      tfMayRead: new Set(["modules/cfg"]),
    };
    expect(sparseCheckoutDirs(t, [tf("teams/a")])).toEqual({
      sparse: true,
      dirs: ["modules/cfg", "modules/dns", "modules/net", "teams/a"],
      shallow: ["modules/dns", "modules/net"],
    });
    // A module that is also a project of the change is written whole.
    expect(sparseCheckoutDirs(t, [tf("teams/a"), tf("modules/net")])).toMatchObject({ shallow: ["modules/dns"] });
    // The root as a project: its relative paths reach any dir, so no module is shallow.
    const fromRoot = new Map([...t.tfSources, [".", ["./modules/net"]]]);
    expect(sparseCheckoutDirs({ ...t, tfSources: fromRoot }, [tf(".")])).toEqual({
      sparse: true,
      dirs: [".", "modules/dns", "modules/net"],
    });
    // Not known what the dirs read (no tfMayRead): nothing is shallow.
    expect(sparseCheckoutDirs({ tfSources: t.tfSources }, [tf("teams/a")])).not.toHaveProperty("shallow");
  });
});
