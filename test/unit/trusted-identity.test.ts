import { describe, expect, it } from "vitest";
import { fakePeople } from "../fakes/fake-people.js";
import { fakeUserId } from "../fakes/fake-vcs.js";
import { projectPermission } from "../../src/authorization/change-control-facts.js";
import { explainSettings, formatExplanation } from "../../src/config/explain-settings.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { baseProjectsOf, identityOf, ruleCovers, stateCountName } from "../../src/config/trusted-identity.js";
import { subjectOf } from "../../src/credentials/oidc-issuer.js";
import { parseComment } from "../../src/command/parse-comment.js";
import { windowState } from "../../src/gate/apply-windows.js";
import type { RepoConfig } from "../../src/model/repo-config.js";

/**
 * The outside review's attacks on trust keyed by names (issue #42): each lookup is asked with the
 * name, dir or config a pull request chose, beside a control that proves the rule itself works.
 */
const repoConfig = (yaml: string): RepoConfig => {
  const r = loadRepoConfig({ sluice: yaml });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};
const base = repoConfig(
  [
    "version: 1",
    "projects:",
    "  - { name: prod, dir: prod, apply_requirements: [approved] }",
    "  - { name: staging, dir: staging }",
    "  - { name: envs-prod, dir: envs/prod }",
    "",
  ].join("\n"),
);
const server = parseServerConfig(`
allowed_overrides: [apply_requirements]
apply_requirements: []
network: { "acme/infra:prod": none }
permissions:
  - { match: "acme/infra:prod", apply: [alice], unlock: [alice], state: [alice], plan: [alice, bob], approve_policies: [alice] }
freezes:
  - { match: "acme/infra:hotfix", from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", reason: "hotfix freeze" }
  - { match: "acme/infra:prod", from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", reason: "prod freeze" }
credentials:
  - match: "acme/infra:prod"
    apply: { env: { CLOUD_KEY: "env:PROD_KEY" }, oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/prod" } }
  - match: "acme/infra:staging"
    apply: { env: { CLOUD_KEY: "env:STAGING_KEY" } }
`);
const settings = repoSettings(server, "acme/infra", base);
const at = (name: string, dir: string) => ({ name, dir, workspace: "default", runner: "terraform" as const });
const people = fakePeople();
const noTeams = { teamMember: async () => false, userId: people.userId };
const as = (login: string) => ({ login, id: fakeUserId(login) });
const now = new Date("2026-06-01T00:00:00Z");

describe("a PR renaming prod: every trusted lookup still finds prod", () => {
  const renamed = at("staging", "prod");
  const control = at("prod", "prod");
  it("its identity is prod's", () => {
    expect(settings.identityOf(renamed)).toMatchObject({ kind: "known", name: "prod" });
  });
  it.each([
    ["apply", "bob"],
    ["unlock", "bob"],
    ["state", "bob"],
    ["approve_policies", "bob"],
    ["plan", "carol"],
  ] as const)("%s by %s is refused as for prod", async (action, who) => {
    const deps = { config: server, store: people.store, log: people.log };
    const decision = await projectPermission(deps, noTeams, settings.identityOf(renamed), action, as(who));
    expect(decision.allowed).toBe(false);
    expect((await projectPermission(deps, noTeams, settings.identityOf(control), action, as(who))).allowed).toBe(false);
    expect((await projectPermission(deps, noTeams, settings.identityOf(control), action, as("alice"))).allowed).toBe(true);
  });
  it("named hotfix, it is still in prod's freeze (and not hotfix's)", () => {
    const asHotfix = windowState([], server.freezes, settings.identityOf(at("hotfix", "prod")), now);
    expect(asHotfix).toMatchObject({ open: false, why: expect.stringContaining("prod freeze") });
    // Control: the staging project is open.
    expect(windowState([], server.freezes, settings.identityOf(at("staging", "staging")), now).open).toBe(true);
  });
  it("keeps prod's credentials, network fence and requirements", () => {
    expect(settings.credentialsFor(renamed)).toMatchObject({ name: "acme/infra:prod", subject: "prod" });
    expect(settings.networkFor(renamed)).toBe("none");
    expect(settings.requirementsFor(renamed)).toEqual(["approved"]);
    // Control: staging as it is.
    expect(settings.credentialsFor(at("staging", "staging"))).toMatchObject({ name: "acme/infra:staging" });
    expect(settings.networkFor(at("staging", "staging"))).toBe("on");
  });
});

describe("a new dir named like a project gets nothing of it", () => {
  // The base branch has `prod` at dir prod; the PR adds dir `scratch/` and calls it prod, and
  // another dir `envs/prod2` named `envs-prod`.
  const impostors = [at("prod", "scratch"), at("envs-prod", "envs/prod2")];
  it.each(impostors)("%o is new", (p) => {
    expect(settings.identityOf(p)).toMatchObject({ kind: "new" });
    const choice = settings.credentialsFor(p);
    expect(choice.rule).toBeUndefined();
    expect(settings.networkFor(p)).toBe("on");
  });
  it("gets only the server's new_projects credentials, whose token says new-project", () => {
    const withNew = parseServerConfig(`
credentials: [{ match: "acme/*", apply: { env: { K: "env:K" } } }]
new_projects:
  credentials: { apply: { oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/sandbox" } } }
`);
    const s = repoSettings(withNew, "acme/infra", base);
    const choice = s.credentialsFor(at("prod", "scratch"));
    expect(choice).toMatchObject({ name: "new_projects", subject: "scratch", newProject: true });
    // Control: a known project gets the repository-wide rule.
    expect(s.credentialsFor(at("prod", "prod"))).toMatchObject({ name: "acme/*", subject: "prod" });
    const sub = subjectOf({ repository: "acme/infra", project: "scratch", workspace: "default", phase: "apply", new_project: true });
    expect(sub).toBe("repo:acme/infra:new-project:scratch:workspace:default:phase:apply");
    expect(sub).not.toContain(":project:");
  });
  it("under autodiscovery, a dir is known only if the base branch has it", () => {
    const files = ["prod/main.tf", "modules/x/main.tf", "charts/web/Chart.yaml", "k/kustomization.yaml", "README.md"];
    const found = baseProjectsOf(undefined, files).map((p) => p.dir);
    expect(found).toEqual(expect.arrayContaining(["prod", "charts/web", "k"]));
    const s = repoSettings(server, "acme/infra", undefined, {}, baseProjectsOf(undefined, files));
    expect(s.identityOf(at("whatever", "prod"))).toMatchObject({ kind: "known", name: "prod" });
    expect(s.identityOf(at("prod", "prod-copy"))).toMatchObject({ kind: "new" });
    expect(s.credentialsFor(at("prod", "prod-copy")).rule).toBeUndefined();
    expect(s.credentialsFor(at("whatever", "prod")).rule?.match).toBe("acme/infra:prod");
  });
  it("under autodiscovery, a dir on the base branch named like a configured project never takes that project's rules", () => {
    // The base configures prod on infra/prod, and a dir `prod/` landed beside it (merged by a PR).
    const withDir = repoConfig(
      ["version: 1", "autodiscover: { mode: enabled }", "projects:", "  - { name: prod, dir: infra/prod }", ""].join("\n"),
    );
    const baseProjects = baseProjectsOf(withDir, ["infra/prod/main.tf", "prod/main.tf"]);
    expect(baseProjects.map((p) => [p.name, p.dir])).toEqual([
      ["prod", "infra/prod"],
      ["prod~autodiscovered", "prod"],
    ]);
    const s = repoSettings(server, "acme/infra", withDir, {}, baseProjects);
    expect(s.identityOf(at("prod", "prod"))).toMatchObject({ kind: "known", name: "prod~autodiscovered" });
    expect(s.credentialsFor(at("prod", "prod")).rule).toBeUndefined();
    // Control: the configured prod keeps its credentials.
    expect(s.credentialsFor(at("prod", "infra/prod")).rule?.match).toBe("acme/infra:prod");
  });
  it("the name a discovered project is told apart by can be named in a command, as Sluice's own hints write it", () => {
    const withDir = repoConfig(
      ["version: 1", "autodiscover: { mode: enabled }", "projects:", "  - { name: prod, dir: infra/prod }", ""].join("\n"),
    );
    const names = baseProjectsOf(withDir, ["infra/prod/main.tf", "prod/main.tf"]).map((p) => p.name);
    // `/drift resume -p NAME` is the only comment that restarts a reconcile that failed (it is
    // written in the pause's reason), `/state push-errored -p NAME` the only one that frees a held state.
    for (const name of names) {
      for (const command of [`/drift resume -p ${name}`, `/state push-errored -p ${name}`, `/unlock -p ${name}`]) {
        expect(parseComment(command), command).toMatchObject({ type: "command", command: { filter: { project: name } } });
      }
    }
    // Control: configured names follow the same rule.
    expect(names[0]).toBe("prod");
  });
});

describe("rules as operators read them", () => {
  const envsProd = identityOf("acme/infra", [{ name: "envs/prod", dir: "envs/prod", workspace: "default" }], at("x", "envs/prod"));
  it.each([
    ["acme/infra", true],
    ["acme/*", true],
    ["ACME/Infra", true],
    ["acme/infra:envs/*", true],
    ["acme/infra:prod", false],
    ["other/*", false],
  ])("%s covers the nested project envs/prod: %s", (match, covered) => {
    expect(ruleCovers(match, envsProd, "restrict")).toBe(covered);
  });
  it("a repository-wide freeze covers nested and new projects", () => {
    const freeze = [{ match: "acme/*", from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", reason: "year" }];
    expect(windowState([], freeze, envsProd, now).open).toBe(false);
    expect(windowState([], freeze, settings.identityOf(at("n", "brand/new")), now).open).toBe(false);
    expect(windowState([], freeze, { ...envsProd, repo: "other/repo" }, now).open).toBe(true);
  });
});

describe("several base projects on one dir and workspace", () => {
  const shared = repoConfig("version: 1\nprojects:\n  - { name: a, dir: d }\n  - { name: b, dir: d }\n");
  const s = repoSettings(server, "acme/infra", shared);
  it("are told apart by name; an unknown name is ambiguous and gets no credentials", () => {
    expect(s.identityOf(at("b", "d"))).toMatchObject({ kind: "known", name: "b" });
    expect(s.identityOf(at("c", "d"))).toMatchObject({ kind: "ambiguous", names: ["a", "b"] });
    expect(s.credentialsFor(at("c", "d")).rule).toBeUndefined();
  });
});

describe("config explain", () => {
  it("prints each project's identity and the rules it matched", () => {
    const text = formatExplanation(explainSettings(server, "acme/infra", base));
    expect(text).toContain("  prod: acme/infra:prod");
    expect(text).toContain("permissions `acme/infra:prod`");
    expect(text).toContain("freezes `acme/infra:prod` (prod freeze)");
    expect(text).toContain("network `acme/infra:prod`: none");
    // Control: staging matches only its own credentials rule.
    const staging = text.slice(text.indexOf("  staging: acme/infra:staging"), text.indexOf("  envs-prod:"));
    expect(staging).toContain("credentials `acme/infra:staging`");
    expect(staging).not.toContain("permissions");
  });
});

describe("the name a project's trusted state count is kept apart by", () => {
  const base = [
    { name: "web-prod", dir: "web", workspace: "default" },
    { name: "web-staging", dir: "web", workspace: "default" },
    { name: "app", dir: "app", workspace: "default" },
  ];
  it("is the recorded name where several base projects share the dir and workspace (each its own backend)", () => {
    const settings = repoSettings(parseServerConfig(""), "acme/infra", undefined, {}, base);
    const prod = { name: "web-prod", dir: "web", workspace: "default" };
    expect(stateCountName(base, prod, settings.recordNameOf(prod))).toBe("web-prod");
    // A pull request's name chooses which of them it is, as the trusted identity does: never a new key.
    const renamed = { name: "mine", dir: "web", workspace: "default" };
    expect(settings.identityOf(renamed).kind).toBe("ambiguous");
  });
  it("is none where one project is at the dir and workspace, whatever a pull request names it (control)", () => {
    expect(stateCountName(base, { dir: "app", workspace: "default" }, "renamed")).toBeUndefined();
    expect(stateCountName(base, { dir: "app", workspace: "staging" }, "app")).toBeUndefined();
  });
});
