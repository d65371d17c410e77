import { describe, expect, it } from "vitest";
import { globsCover } from "../../src/config/glob-list.js";
import { policiesFor } from "../../src/config/policies-for.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { trustedCommit } from "../../src/repo-reading/trusted-commit.js";

/**
 * A `!` glob in a server list narrows it, as it does in role entries and `when_modified`. Tried
 * one glob at a time (`.some`), `!acme/prod` matched every repository but prod, so
 * `[acme/*, !acme/prod]` covered acme/prod (through acme/*) and every other owner too: custom
 * workflows (commands of the repo's choosing) in the repository excluded from them, a protected
 * branch's config trusted where the operator excluded it.
 */
const config = (yaml: string): RepoConfig => {
  const r = loadRepoConfig({ sluice: yaml });
  if (!r.ok) throw new Error(r.errors.join("; "));
  return r.config;
};
const own = config(
  'version: 1\nprojects:\n  - name: net\n    dir: net\n    workflow: mine\nworkflows:\n  mine:\n    plan:\n      steps: [init, {run: "echo hi"}, plan]\n',
);
const net = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };

describe("globsCover", () => {
  it("a value is covered when a glob matches it and no ! glob does", () => {
    const globs = ["acme/*", "!acme/prod"];
    expect(globsCover(globs, "acme/web")).toBe(true);
    expect(globsCover(globs, "ACME/Web")).toBe(true);
    expect(globsCover(globs, "acme/prod")).toBe(false);
    expect(globsCover(globs, "other/web")).toBe(false);
    expect(globsCover(["!acme/prod"], "acme/web")).toBe(false);
    expect(globsCover([], "acme/web")).toBe(false);
    expect(globsCover(["release/*"], "Release/1", { nocase: false })).toBe(false);
  });
});

describe("a ! glob in the server's lists excludes", () => {
  it("allow_custom_workflows: the excluded repository and other owners run no workflow of their own", () => {
    const server = parseServerConfig('allowed_overrides: [workflow]\nallow_custom_workflows: ["acme/*", "!acme/prod"]\n');
    expect(repoSettings(server, "acme/prod", own).workflowFor(net).refusal).toContain("allow_custom_workflows");
    expect(repoSettings(server, "other/infra", own).workflowFor(net).refusal).toContain("allow_custom_workflows");
    // Control: what the positive glob covers runs its own.
    expect(
      repoSettings(server, "acme/infra", own)
        .workflowFor(net)
        .workflow?.plan.map((s) => s.kind),
    ).toEqual(["init", "run", "plan"]);
  });

  it("policies.repos: the excluded repository and other owners are not checked", () => {
    const server = parseServerConfig(
      'policies:\n  repos: ["acme/*", "!acme/sandbox"]\n  policy_sets:\n    - name: base\n      path: /etc/sluice/policies\n      source: local\n',
    );
    expect(policiesFor(server, "acme/sandbox")).toBeUndefined();
    expect(policiesFor(server, "other/web")).toBeUndefined();
    expect(policiesFor(server, "acme/web")).toBeDefined();
  });

  it("trusted_branches: an excluded protected branch's config is not trusted", async () => {
    const server = parseServerConfig('trusted_branches: ["release/*", "!release/legacy"]\n');
    const ask = (baseRef: string) =>
      trustedCommit(
        { config: server },
        { branchProtected: async () => true },
        { owner: "acme", name: "infra" },
        { baseRef, defaultBranch: "main" },
        "abc",
      );
    expect(await ask("release/legacy")).toMatchObject({ untrusted: expect.stringContaining("not the default branch") });
    expect(await ask("hotfix/x")).toMatchObject({ untrusted: expect.stringContaining("not the default branch") });
    expect(await ask("release/2.0")).toBe("abc");
  });

  it("a list of exclusions alone is refused, not read as 'all but'", () => {
    expect(() => parseServerConfig('allow_custom_workflows: ["!acme/prod"]\n')).toThrow(/exclusion/);
    expect(() => parseServerConfig('trusted_branches: ["!main"]\n')).toThrow(/exclusion/);
  });

  it("a glob no repository or branch name can match is refused at start, not met at run time", () => {
    // A bare `!` took every call of globsCover down (picomatch throws on an empty pattern): every
    // repository's settings, every role check; `! acme/prod` (a space: no name has one) excluded
    // nothing, so acme/prod kept the custom workflows the operator meant to take from it.
    // `!!acme/prod` excluded every repository but acme/prod, the opposite of what it reads as.
    for (const bad of ['["acme/*", "!"]', '["acme/*", "! acme/prod"]', '["acme/* "]', '["acme/*", "!!acme/prod"]']) {
      expect(() => parseServerConfig(`allow_custom_workflows: ${bad}\n`)).toThrow(/space|nothing after|one `!`/);
    }
    // A repository glob whose brackets do not pair is plain text to picomatch: `!acme/{prod`
    // excluded nothing, so acme/prod kept the custom workflows (or the policies) taken from it.
    expect(() => parseServerConfig('allow_custom_workflows: ["acme/*", "!acme/{prod"]\n')).toThrow(/brackets/);
    expect(() => parseServerConfig('allow_custom_workflows: ["acme/*", "!acme/{prod,staging}"]\n')).not.toThrow();
    // Control: the same list written right is taken and excludes.
    const server = parseServerConfig('allowed_overrides: [workflow]\nallow_custom_workflows: ["acme/*", "!acme/prod"]\n');
    expect(server.allow_custom_workflows).toEqual(["acme/*", "!acme/prod"]);
  });
});
