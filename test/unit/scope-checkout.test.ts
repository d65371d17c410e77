import { describe, expect, it } from "vitest";
import { scopeCheckout } from "../../src/repo-reading/scope-checkout.js";
import type { Project } from "../../src/model/project.js";
import type { Checkout, Workspace } from "../../src/workspace/workspace.js";

const repo = { owner: "acme", name: "infra" };
const tf = (dir: string): Project => ({ name: dir, dir, workspace: "default", runner: "terraform" });
const tree = { tfSources: new Map([["apps/web", ["../../modules/net"]]]) };

/** A checkout that records what was asked of it, and a workspace whose hazard check answers `hazard`. */
function setup(hazard?: string) {
  const calls: string[] = [];
  const logged: string[] = [];
  const checkout = {
    headSha: "abc",
    include: async (dirs: readonly string[]) => {
      calls.push(`include ${dirs.join(" ")}`);
    },
    includeAll: async () => {
      calls.push("includeAll");
    },
  } as unknown as Checkout;
  const workspace = {
    sparseHazards: async (_r: unknown, _s: string, dirs: readonly string[], sources: ReadonlyMap<string, readonly string[]>) => {
      // Which `source = "../…"` lines are modules' (and so no hazard) is the tree read's finding.
      if (sources !== tree.tfSources) throw new Error("the tree's module sources were not passed");
      calls.push(`hazards ${dirs.join(" ")}`);
      return hazard;
    },
  } as unknown as Workspace;
  const log = { info: (obj: object) => logged.push(JSON.stringify(obj)), warn: () => undefined, error: () => undefined };
  return { calls, logged, checkout, deps: { workspace, log } };
}

const plain = { enabled: true, customWorkflow: () => false };

describe("scopeCheckout", () => {
  it("writes the projects' dirs and their module dirs when nothing in them reaches out", async () => {
    const s = setup();
    expect(await scopeCheckout(s.deps, repo, s.checkout, tree, [tf("apps/web")], plain)).toEqual({
      sparse: true,
      dirs: ["apps/web", "modules/net"],
    });
    expect(s.calls).toEqual(["hazards apps/web modules/net", "include apps/web modules/net"]);
  });

  it.each([
    ["turned off", { ...plain, enabled: false }, /sparse_checkout is off/],
    ["a custom workflow", { ...plain, customWorkflow: (p: Project) => p.dir === "apps/web" }, /custom workflow/],
    ["extra arguments", { ...plain, extraArgs: ["-var-file=../x.tfvars"] }, /extra arguments/],
  ])("every file when %s, and the reason is logged", async (_what, opts, reason) => {
    const s = setup();
    const scope = await scopeCheckout(s.deps, repo, s.checkout, tree, [tf("apps/web")], opts);
    expect(scope).toEqual({ sparse: false, reason: expect.stringMatching(reason) });
    expect(s.calls).toEqual(["includeAll"]);
    expect(s.logged.join("\n")).toMatch(reason);
  });

  it("every file when the dirs hold a hazard (symlink, parent path)", async () => {
    const s = setup("`apps/web/x.tf` is a symlink");
    expect(await scopeCheckout(s.deps, repo, s.checkout, tree, [tf("apps/web")], plain)).toEqual({
      sparse: false,
      reason: "`apps/web/x.tf` is a symlink",
    });
    // The dirs were being written meanwhile; every file follows.
    expect(s.calls).toEqual(["hazards apps/web modules/net", "include apps/web modules/net", "includeAll"]);
  });
});
