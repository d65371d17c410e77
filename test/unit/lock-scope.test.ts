import { describe, expect, it } from "vitest";
import { lockScope } from "../../src/config/lock-scope.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { scopesConflict } from "../../src/store/store.js";

const repo = (yaml: string): RepoConfig => {
  const r = loadRepoConfig({ sluice: yaml });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};

// The trusted (base-branch) config: a and b share ./default, net has a dir of its own.
const trusted = repo(
  "version: 1\nprojects:\n  - name: a\n    dir: .\n  - name: b\n    dir: .\n  - name: net\n    dir: net\n  - name: a-staging\n    dir: .\n    workspace: staging\n",
);
const at = (name: string, dir = ".", workspace = "default") => ({ name, dir, workspace });

describe("lockScope", () => {
  it("is the project's name when the trusted config defines several projects on its dir + workspace, it among them", () => {
    expect(lockScope(trusted, at("a"))).toBe("a");
    expect(lockScope(trusted, at("b"))).toBe("b");
  });

  it("is the whole dir + workspace otherwise: a lone project, a name the trusted config does not have there, no trusted config", () => {
    expect(lockScope(trusted, at("net", "net"))).toBe("");
    expect(lockScope(trusted, at("a-staging", ".", "staging"))).toBe("");
    // A PR that adds a project c on ./default (or renames a to c) locks all of ./default.
    expect(lockScope(trusted, at("c"))).toBe("");
    // net's name on another dir does not make it one of ./default's projects.
    expect(lockScope(trusted, at("net"))).toBe("");
    expect(lockScope(undefined, at("a"))).toBe("");
  });

  it("never lets a PR's new name step around another PR's lock (issue #10)", () => {
    const names = ["a", "b", "c", "net", ""];
    for (const held of names) {
      for (const wanted of names) {
        const h = lockScope(trusted, at(held));
        const w = lockScope(trusted, at(wanted));
        // Only two distinct projects the trusted config defines here run side by side.
        const bothTrusted = ["a", "b"].includes(held) && ["a", "b"].includes(wanted) && held !== wanted;
        expect(scopesConflict(h, w)).toBe(!bothTrusted);
      }
    }
  });
});
