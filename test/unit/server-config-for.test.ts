import { describe, expect, it } from "vitest";
import { policiesFor } from "../../src/config/policies-for.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { repoAllowed, serverConfigFor } from "../../src/config/server-config-for.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";
import { ingressSettings } from "../../src/ingress/event-to-job.js";
import { settingsByRepo } from "../../src/ingress/settings-by-repo.js";

const server = parseServerConfig(
  [
    "apply_requirements: [approved, mergeable]",
    "approvals: 1",
    "repos:",
    '  - "acme/*"',
    '  - { id: "acme/prod-*", approvals: 2, apply_requirements: [approved, mergeable, undiverged] }',
    '  - { id: "/^acme/sandbox-.*$/", apply_requirements: [] }',
    '  - { id: "acme/prod-legacy", approvals: 3 }',
    '  - { id: "/legacy/", automerge: true }',
    "",
  ].join("\n"),
  "sluice.yaml",
);

describe("serverConfigFor: per key, the last matching repos: entry wins over the top level", () => {
  it.each([
    // repo, approvals, apply_requirements, automerge
    ["acme/web", 1, ["approved", "mergeable"], false],
    ["acme/prod-db", 2, ["approved", "mergeable", "undiverged"], false],
    ["acme/sandbox-1", 1, [], false],
    // glob, then exact, then regex: each key from the last entry that sets it
    ["acme/prod-legacy", 3, ["approved", "mergeable", "undiverged"], true],
    ["ACME/Prod-DB", 2, ["approved", "mergeable", "undiverged"], false],
  ])("%s", (repo, approvals, requirements, automerge) => {
    const { config, allowed } = serverConfigFor(server, repo);
    expect(allowed).toBe(true);
    expect(config.approvals).toBe(approvals);
    expect(config.apply_requirements).toEqual(requirements);
    expect(config.automerge).toBe(automerge);
  });

  it("a repository that matches no entry gets the top level, and is not allowed when repos: lists others", () => {
    const { config, allowed } = serverConfigFor(server, "other/prod-db");
    expect(allowed).toBe(false);
    expect(config.approvals).toBe(1);
    expect(config.apply_requirements).toEqual(["approved", "mergeable"]);
  });

  it("a glob entry covers a repository whose name starts with a dot, as every other rule's glob does", () => {
    // Allowed by the regex entry, restricted by the glob one: acme/.infra kept the top level's none.
    const cfg = parseServerConfig(
      'apply_requirements: []\nrepos:\n  - { id: "/.*/" }\n  - { id: "acme/*", apply_requirements: [approved] }\n',
    );
    expect(serverConfigFor(cfg, "acme/.infra").config.apply_requirements).toEqual(["approved"]);
    expect(serverConfigFor(cfg, "acme/infra").config.apply_requirements).toEqual(["approved"]);
    expect(serverConfigFor(cfg, "other/infra").config.apply_requirements).toEqual([]);
  });

  it("an entry alone allows the repositories it matches, as a plain glob would", () => {
    const only = parseServerConfig('repos:\n  - { id: "/^acme/sandbox-/", apply_requirements: [] }\n');
    expect(repoAllowed(only, "acme/sandbox-9")).toBe(true);
    expect(repoAllowed(only, "acme/prod")).toBe(false);
    expect(repoAllowed(parseServerConfig(""), "any/repo")).toBe(true);
  });

  it("names where each setting came from", () => {
    const { sources } = serverConfigFor(server, "acme/prod-legacy");
    expect(sources.approvals).toBe("repos[3] (id: acme/prod-legacy)");
    expect(sources.apply_requirements).toBe("repos[1] (id: acme/prod-*)");
    expect(sources.automerge).toBe("repos[4] (id: /legacy/)");
    expect(sources.apply_on).toBe("default");
    expect(serverConfigFor(server, "acme/web").sources.approvals).toBe("server config sluice.yaml");
  });

  it("the gate's settings (repoSettings) are the repository's own", () => {
    const base = undefined;
    const project = { name: "p", dir: ".", workspace: "default" } as Parameters<ReturnType<typeof repoSettings>["requirementsFor"]>[0];
    expect(repoSettings(serverConfigFor(server, "acme/sandbox-1").config, "acme/sandbox-1", base).requirementsFor(project)).toEqual([]);
    expect(repoSettings(serverConfigFor(server, "acme/prod-db").config, "acme/prod-db", base).approvals).toBe(2);
  });

  it("allow_custom_workflows is a yes or no in an entry; policy_check turns policies on or off per repository", () => {
    const c = parseServerConfig(
      [
        "policies:",
        "  policy_sets: [{ name: base, path: /srv/policies, source: local }]",
        "repos:",
        '  - { id: "acme/tools", allow_custom_workflows: true, policy_check: false }',
        "",
      ].join("\n"),
    );
    const tools = serverConfigFor(c, "acme/tools").config;
    expect(repoSettings(tools, "acme/tools", undefined)).toBeDefined();
    expect(tools.allow_custom_workflows).toEqual(["**"]);
    expect(policiesFor(tools, "acme/tools")).toBeUndefined();
    expect(policiesFor(serverConfigFor(c, "acme/web").config, "acme/web")).toBeDefined();
  });

  it.each([
    ['repos:\n  - { id: "acme/x", parallel: 4 }\n', /repos\.0: Unrecognized key: "parallel" \(line 2\)/],
    ['repos:\n  - "acme/*"\n  - { id: "acme/x", approvals: "two" }\n', /repos\.1\.approvals: .*\(line 3\)/],
    ['repos:\n  - { id: "/(/", automerge: true }\n', /repos\.0\.id: a \/regular expression\/ that compiles/],
    ['repos:\n  - { id: "acme/x", default_workflow: nope }\n', /repos\[0\]\.default_workflow: no server workflow named nope/],
  ])("a bad entry is a start error naming the key and line: %s", (text, message) => {
    expect(() => parseServerConfig(text)).toThrow(ConfigError);
    expect(() => parseServerConfig(text)).toThrow(message);
  });
});

describe("settingsByRepo: ingress's view of each repository, worked out once", () => {
  const config = parseServerConfig(
    ["autoplan: true", "repos:", '  - "acme/*"', '  - { id: "acme/quiet", autoplan: false }', ""].join("\n"),
    "sluice.yaml",
  );
  it("gives each repository its own entries' settings and allowlist verdict, the same on every call", () => {
    const byRepo = settingsByRepo(config);
    for (let call = 0; call < 2; call++) {
      expect(byRepo.settingsFor("acme/quiet")).toEqual(ingressSettings(serverConfigFor(config, "acme/quiet").config));
      expect(byRepo.settingsFor("acme/quiet").autoplan).toBe(false);
      // Control: the entry applies to its repository only.
      expect(byRepo.settingsFor("acme/web").autoplan).toBe(true);
      expect(byRepo.allowed("acme/web")).toBe(true);
      expect(byRepo.allowed("other/web")).toBe(false);
    }
  });
});
