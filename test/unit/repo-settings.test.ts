import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { RepoConfig } from "../../src/model/repo-config.js";

const repo = (yaml: string): RepoConfig => {
  const r = loadRepoConfig({ sluice: yaml });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};
const net = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };
const base = repo(
  "version: 1\napply_on: merge\nautomerge: true\napprovals: 2\nprojects:\n  - name: net\n    dir: net\n    apply_requirements: [undiverged]\n    workflow: w\n    terraform_binary: terraform1.9\nworkflows:\n  w:\n    plan:\n      steps: [init, {run: [make, plan]}, plan]\n",
);

describe("repoSettings: the trusted config may only set what the server allows", () => {
  it("without allowed_overrides the server decides everything", () => {
    const s = repoSettings(parseServerConfig("apply_requirements: [approved]\n"), "acme/infra", base);
    expect([s.applyOn, s.automerge, s.approvals]).toEqual(["comment", false, 1]);
    expect(s.requirementsFor(net)).toEqual(["approved"]);
    expect(s.workflowFor(net).refusal).toContain("allow_custom_workflows");
  });

  it("allowed overrides come from the repo config", () => {
    const server = parseServerConfig(
      'allowed_overrides: [apply_on, automerge, approvals, apply_requirements, workflow]\nallow_custom_workflows: ["acme/*"]\n',
    );
    const s = repoSettings(server, "acme/infra", base);
    expect([s.applyOn, s.automerge, s.approvals]).toEqual(["merge", true, 2]);
    expect(s.requirementsFor(net)).toEqual(["undiverged"]);
    expect(s.workflowFor(net).workflow?.plan.map((p) => p.kind)).toEqual(["init", "run", "plan"]);
    expect(repoSettings(server, "other/infra", base).workflowFor(net).refusal).toContain("allow_custom_workflows");
  });

  it("names from the config are looked up as names, never as what every object has (attack: `toString`, `constructor`)", () => {
    // `workflow: toString` in the base branch's config used to find Object.prototype.toString
    // and throw ("own.plan is not iterable") in every plan job; a `secret_set` naming
    // `constructor` threw the same way.
    const server = parseServerConfig('allowed_overrides: [workflow]\nallow_custom_workflows: ["**"]\nsecrets: {db: "env:DB_PASSWORD"}\n');
    for (const name of ["toString", "constructor", "hasOwnProperty", "__proto__"]) {
      const trusted = repo(`version: 1\nprojects:\n  - name: net\n    dir: net\n    workflow: "${name}"\n`);
      const s = repoSettings(server, "acme/infra", trusted, { DB_PASSWORD: "pw" });
      expect(s.workflowFor(net).refusal, name).toContain(`workflow \`${name}\` is not defined in the base branch's config`);
      expect(s.secret(name), name).toBeUndefined();
    }
    // Two projects on one dir compare their workflows' init arguments: that read the same way
    // and failed the file with "internal error while reading the config".
    const shared = loadRepoConfig({
      sluice: "version: 1\nprojects:\n  - {name: a, dir: net, workflow: toString}\n  - {name: b, dir: net, workflow: constructor}\n",
    });
    expect(shared.ok ? shared.config.projects.map((p) => p.workflow) : shared.errors).toEqual(["toString", "constructor"]);
    // Control: a name the config and the server do define.
    const s = repoSettings(server, "acme/infra", base, { DB_PASSWORD: "pw" });
    expect(s.workflowFor(net).workflow?.plan.map((p) => p.kind)).toEqual(["init", "run", "plan"]);
    expect(s.secret("db")).toBe("pw");
  });

  it("sparse checkout: on by default; the server or the base branch's `sparse_checkout: false` turns it off", () => {
    const on = parseServerConfig("");
    expect(repoSettings(on, "acme/infra", undefined).sparseCheckout).toBe(true);
    expect(repoSettings(on, "acme/infra", repo("version: 1\n")).sparseCheckout).toBe(true);
    expect(repoSettings(on, "acme/infra", repo("version: 1\nsparse_checkout: false\n")).sparseCheckout).toBe(false);
    const off = parseServerConfig("sparse_checkout: false\n");
    expect(repoSettings(off, "acme/infra", repo("version: 1\nsparse_checkout: true\n")).sparseCheckout).toBe(false);
  });

  it("a repo without a config file overrides nothing, even where allowed", () => {
    const server = parseServerConfig("allowed_overrides: [automerge]\nautomerge: true\n");
    expect(repoSettings(server, "acme/infra", repo("version: 1\n")).automerge).toBe(false);
    expect(repoSettings(server, "acme/infra", undefined).automerge).toBe(true);
  });

  it("binary names are limited to terraform and tofu builds", () => {
    const s = repoSettings(parseServerConfig(""), "acme/infra", base);
    expect(s.binaryFor(net)).toBe("terraform1.9");
    const sh = repoSettings(
      parseServerConfig(""),
      "acme/infra",
      repo("version: 1\nprojects:\n  - name: net\n    dir: net\n    terraform_binary: sh\n"),
    );
    expect(sh.binaryFor(net)).toBeUndefined();
  });

  it("secrets resolve by name from the server's environment only", () => {
    const s = repoSettings(parseServerConfig("secrets:\n  db: env:DB_PASSWORD\n"), "acme/infra", base, { DB_PASSWORD: "hunter2" });
    expect(s.secret("db")).toBe("hunter2");
    expect(s.secret("nope")).toBeUndefined();
  });

  it("kubeconfigs match repos by glob", () => {
    const s = repoSettings(parseServerConfig('kubeconfigs:\n  "acme/*": /etc/sluice/acme.kubeconfig\n'), "acme/infra", base);
    expect(s.kubeconfig).toEqual({ apply: "/etc/sluice/acme.kubeconfig", plan: "/etc/sluice/acme.kubeconfig" });
    expect(repoSettings(parseServerConfig(""), "acme/infra", base).kubeconfig).toBeUndefined();
  });

  it("kubeconfigs may give plans their own file, or none", () => {
    const config = parseServerConfig(
      'kubeconfigs:\n  "acme/infra": { apply: /etc/k/deploy, plan: /etc/k/view }\n  "acme/*": { apply: /etc/k/deploy }\n',
    );
    expect(repoSettings(config, "acme/infra", base).kubeconfig).toEqual({ apply: "/etc/k/deploy", plan: "/etc/k/view" });
    expect(repoSettings(config, "acme/web", base).kubeconfig).toEqual({ apply: "/etc/k/deploy" });
    expect(() => parseServerConfig('kubeconfigs:\n  "acme/*": { plan: /etc/k/view }\n')).toThrow(/apply/);
  });
});

describe("repoSettings: trusted settings attach to what a project is, never to the name a PR gives it", () => {
  const trusted = repo(
    "version: 1\nprojects:\n  - name: weak\n    dir: app\n    apply_requirements: []\n  - name: prod\n    dir: prod\n    apply_requirements: [approved, undiverged]\n    helm:\n      secret_set: { password: db }\n",
  );
  const server = parseServerConfig("allowed_overrides: [apply_requirements]\napply_requirements: [approved, mergeable]\n");
  const s = repoSettings(server, "acme/infra", trusted, { DB: "hunter2" });

  it("a PR that names dir prod `weak` still gets prod's requirements", () => {
    expect(s.requirementsFor({ name: "weak", dir: "prod", workspace: "default", runner: "terraform" })).toEqual(["approved", "undiverged"]);
    expect(s.requirementsFor({ name: "prod", dir: "app", workspace: "default", runner: "terraform" })).toEqual([]);
  });

  it("a dir or workspace the base branch does not know gets the server's defaults", () => {
    expect(s.requirementsFor({ name: "weak", dir: "other", workspace: "default", runner: "terraform" })).toEqual(["approved", "mergeable"]);
    expect(s.requirementsFor({ name: "weak", dir: "app", workspace: "staging", runner: "terraform" })).toEqual(["approved", "mergeable"]);
  });

  it("helm secret_set comes from the trusted project only, whatever the PR's project says", () => {
    const fromPr = { name: "x", dir: "app", workspace: "default", runner: "helm" as const, helm: { secretSet: { password: "db" } } };
    expect(s.secretSetFor(fromPr)).toEqual({});
    expect(s.secretSetFor({ name: "renamed", dir: "prod", workspace: "default", runner: "helm" })).toEqual({ password: "db" });
  });
});

const SERVER_WORKFLOWS = [
  "workflows:",
  "  shared:",
  "    plan:",
  "      steps: [init, {run: [make, check]}, plan]",
  "  base:",
  "    plan:",
  "      steps: [init, {plan: {extra_args: [-lock-timeout=5m]}}]",
  "allowed_workflows: [shared]",
  "default_workflow: base",
  "",
].join("\n");

describe("repoSettings: server workflows (repos.yaml's workflows and allowed_workflows)", () => {
  const server = parseServerConfig(SERVER_WORKFLOWS);
  const project = (workflow?: string) =>
    repo(`version: 1\nprojects:\n  - name: net\n    dir: net\n${workflow ? `    workflow: ${workflow}\n` : ""}`);

  it("a repo picks an allowed server workflow by name, run steps included (the operator wrote them)", () => {
    const s = repoSettings(server, "acme/infra", project("shared"));
    expect(s.workflowFor(net).workflow?.plan.map((st) => st.kind)).toEqual(["init", "run", "plan"]);
  });

  it("a server workflow not in allowed_workflows, or a name nobody defines, is refused with the setting to change", () => {
    expect(repoSettings(server, "acme/infra", project("base")).workflowFor(net).refusal).toContain("allowed_workflows");
    expect(repoSettings(server, "acme/infra", project("nope")).workflowFor(net).refusal).toContain(
      "is not defined in the base branch's config",
    );
  });

  it("a repository's own workflow is refused where the server offers its own, even named like one; allow_custom_workflows lets it run (as Atlantis 0.49)", () => {
    const own = (name: string) =>
      repo(
        `version: 1\nprojects:\n  - name: net\n    dir: net\n    workflow: ${name}\nworkflows:\n  ${name}:\n    plan:\n      steps: [init, {plan: {extra_args: [-var=canary=own]}}]\n`,
      );
    const picks = parseServerConfig(`${SERVER_WORKFLOWS}allowed_overrides: [workflow]\n`);
    for (const name of ["canary", "shared"]) {
      const refusal = repoSettings(picks, "acme/infra", own(name)).workflowFor(net).refusal;
      expect(refusal, name).toContain("use only the server's workflows");
      expect(refusal, name).toContain("`allowed_workflows`: `shared`");
    }
    // Control: a repository allowed custom workflows runs its own.
    const custom = parseServerConfig(`${SERVER_WORKFLOWS}allowed_overrides: [workflow]\nallow_custom_workflows: [acme/infra]\n`);
    expect(repoSettings(custom, "acme/infra", own("canary")).workflowFor(net).workflow?.plan[1]).toEqual({
      kind: "plan",
      extraArgs: ["-var=canary=own"],
    });
    // Control: a server that offers none leaves the repository's own workflow (without run steps) to allowed_overrides.
    const none = parseServerConfig("allowed_overrides: [workflow]\n");
    expect(repoSettings(none, "acme/infra", own("canary")).workflowFor(net).refusal).toBeUndefined();
  });

  it("projects that name no workflow run default_workflow", () => {
    expect(repoSettings(server, "acme/infra", project()).workflowFor(net).workflow?.plan[1]).toEqual({
      kind: "plan",
      extraArgs: ["-lock-timeout=5m"],
    });
    expect(repoSettings(parseServerConfig(""), "acme/infra", project()).workflowFor(net)).toEqual({});
  });

  it("default_workflow and allowed_workflows must name server workflows", () => {
    expect(() => parseServerConfig("default_workflow: missing\n")).toThrow(/default_workflow: no server workflow named missing/);
    expect(() => parseServerConfig("allowed_workflows: [x]\n")).toThrow(/allowed_workflows: no server workflow named x/);
    expect(() => parseServerConfig("repo_config_file: ../x.yaml\n")).toThrow(/repo_config_file/);
  });
});
