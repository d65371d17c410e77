import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadServerSettings } from "../../src/config/load-server-settings.js";
import { policiesFor } from "../../src/config/policies-for.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { serverConfigFor } from "../../src/config/server-config-for.js";
import { ConfigError } from "../../src/config/server-config.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-atlantis-repos-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `f${n++}.yaml`);
  writeFileSync(path, text);
  return path;
};
const load = (atlantis: string, opts: { sluice?: string; policyChecks?: boolean; host?: string } = {}) =>
  loadServerSettings({
    atlantis: file(atlantis),
    sluice: opts.sluice === undefined ? undefined : file(opts.sluice),
    atlantisPolicyChecks: opts.policyChecks ?? false,
    host: opts.host ?? "github.com",
  });

// Atlantis' own end-to-end case "server-side cfg", unchanged.
const SERVER_SIDE_CFG = `repos:
- id: /.*/
  pre_workflow_hooks:
    - run: echo "hello"
  workflow: custom
  post_workflow_hooks:
    - run: echo "hello"
  allowed_overrides: [workflow]
workflows:
  custom:
    plan:
      steps:
        - run: echo preinit custom
        - init
        - plan
        - run: echo postplan custom
  staging:
    plan:
      steps:
        - run: echo preinit staging
        - init
        - plan
`;

const project = (workflow?: string) => ({ name: "p", dir: ".", workspace: "default", ...(workflow ? { workflow } : {}) });

describe("ATLANTIS_REPO_CONFIG: repos.yaml with Atlantis' meaning", () => {
  it("server-side cfg: `custom` by default, and an unset allowed_workflows lets the repo pick `staging`", () => {
    const config = serverConfigFor(load(SERVER_SIDE_CFG), "runatlantis/atlantis-tests").config;
    expect(config.default_workflow).toBe("custom");
    expect(config.allowed_workflows.sort()).toEqual(["custom", "staging"]);
    expect(config.allowed_overrides).toEqual(["workflow"]);
    expect(config.apply_requirements).toEqual([]);
    expect(config.pre_workflow_hooks).toEqual([{ run: 'echo "hello"' }]);
    const trusted = {
      source: "atlantis.yaml",
      projects: [{ ...project(), workspace: "staging", workflow: "staging" }],
      workflows: {},
    } as unknown as Parameters<typeof repoSettings>[2];
    const settings = repoSettings(config, "runatlantis/atlantis-tests", trusted);
    const staging = settings.workflowFor({ ...project(), workspace: "staging" } as never);
    expect(staging.refusal).toBeUndefined();
    expect(staging.workflow?.plan.map((s) => s.kind)).toEqual(["run", "init", "plan"]);
    expect(settings.workflowFor(project() as never).workflow?.plan.map((s) => s.kind)).toEqual(["run", "init", "plan", "run"]);
  });

  it.each([
    ["no server workflows", "repos:\n- id: /.*/\n  allowed_overrides: [workflow]\n"],
    ["only Atlantis' default allowed", "repos:\n- id: /.*/\n  allowed_overrides: [workflow]\n  allowed_workflows: [default]\n"],
  ])("without allow_custom_workflows a repository runs no workflow of its own (attack: %s)", (_, text) => {
    // The base branch's atlantis.yaml defines its own workflow (env and extra_args, no `run`):
    // Atlantis refuses the file ("repo config not allowed to define custom workflows").
    const trusted = {
      source: "atlantis.yaml",
      projects: [project("own")],
      workflows: {
        own: {
          plan: [
            { kind: "env", name: "TF_CLI_ARGS_plan", value: "-lock=false" },
            { kind: "plan", extraArgs: [] },
          ],
          apply: [],
        },
      },
    } as unknown as Parameters<typeof repoSettings>[2];
    const refused = repoSettings(serverConfigFor(load(text), "acme/infra").config, "acme/infra", trusted).workflowFor(project() as never);
    expect(refused.workflow).toBeUndefined();
    expect(refused.refusal).toContain("this server lets this repository use only the server's workflows");
    // Control: with allow_custom_workflows it runs.
    const custom = serverConfigFor(load(`${text}  allow_custom_workflows: true\n`), "acme/infra").config;
    expect(
      repoSettings(custom, "acme/infra", trusted)
        .workflowFor(project() as never)
        .workflow?.plan.map((s) => s.kind),
    ).toEqual(["env", "plan"]);
  });

  it("without allowed_overrides: [workflow] no server workflow may be picked (Atlantis refuses the key)", () => {
    const config = serverConfigFor(load(SERVER_SIDE_CFG.replace("  allowed_overrides: [workflow]\n", "")), "a/b").config;
    expect(config.allowed_workflows).toEqual([]);
  });

  it.each([
    ["github.com/acme/prod", "acme/prod", true],
    ["github.com/acme/prod", "acme/prod2", false],
    ["/github\\.com/acme/sandbox-.*/", "acme/sandbox-1", true],
    ["/^acme/", "acme/x", false],
  ])("ids are HOST/owner/name or a regex over it: %s vs %s", (id, repo, matches) => {
    const config = serverConfigFor(load(`repos:\n- id: ${id}\n  apply_requirements: [approved]\n`), repo);
    expect(config.config.apply_requirements).toEqual(matches ? ["approved"] : []);
    // Atlantis' entries never widen (or narrow) the allowlist.
    expect(config.allowed).toBe(true);
  });

  it("last match wins per key; policy_check per repo; policies active only with ATLANTIS_ENABLE_POLICY_CHECKS", () => {
    mkdtempSync(join(dir, "p-"));
    const text = [
      "repos:",
      "- id: /.*/",
      "  apply_requirements: [approved, policies_passed]",
      "- id: github.com/acme/sandbox",
      "  apply_requirements: []",
      "  policy_check: false",
      "policies:",
      "  owners: {users: [sec]}",
      "  policy_sets:",
      "    - {name: base, path: policies/base, source: local}",
      "",
    ].join("\n");
    const on = load(text, { policyChecks: true });
    expect(on.policies?.policy_sets[0]?.path).toBe(join(dir, "policies/base"));
    const sandbox = serverConfigFor(on, "acme/sandbox").config;
    expect(sandbox.apply_requirements).toEqual([]);
    expect(policiesFor(sandbox, "acme/sandbox")).toBeUndefined();
    const prod = serverConfigFor(on, "acme/prod").config;
    expect(prod.apply_requirements).toEqual(["approved"]);
    expect(policiesFor(prod, "acme/prod")).toBeDefined();
    const off = load(text, { policyChecks: false });
    expect(policiesFor(serverConfigFor(off, "acme/prod").config, "acme/prod")).toBeUndefined();
    expect(off.unsupported.join("\n")).toContain("ATLANTIS_ENABLE_POLICY_CHECKS");
  });

  it("refuses at start a key Sluice would honour more loosely than Atlantis (control: its harmless values are taken)", () => {
    // Atlantis keeps this entry to the sandbox branch; Sluice would drop the approval for main too.
    const sandbox = "repos:\n- id: /.*/\n  apply_requirements: [approved]\n- id: /.*/\n  branch: /^sandbox$/\n  apply_requirements: []\n";
    expect(() => load(sandbox)).toThrow(/repos\.1\.branch: Sluice applies a repos entry to every base branch.*\(line 5\)/);
    // Atlantis plans only once the PR is approved; Sluice would run its code in a plan before.
    expect(() => load("repos:\n- id: /.*/\n  plan_requirements: [approved]\n")).toThrow(
      /repos\.0\.plan_requirements: Sluice does not hold a plan/,
    );
    // Atlantis asks an import for approval; Sluice asks what an apply asks, here nothing.
    expect(() => load("repos:\n- id: /.*/\n  import_requirements: [approved]\n")).toThrow(
      /repos\.0\.import_requirements: .*lack \[approved\]/,
    );
    const all = load(
      "repos:\n- id: /.*/\n  branch: /.*/\n  plan_requirements: []\n  apply_requirements: [approved]\n  import_requirements: [approved]\n",
    );
    expect(serverConfigFor(all, "acme/prod").config.apply_requirements).toEqual(["approved"]);
  });

  it("every key Sluice does not do is named, with its line", () => {
    const config = load(
      [
        "repos:",
        "- id: /.*/",
        "  branch: /.*/",
        "  plan_requirements: []",
        "  allowed_overrides: [workflow, delete_source_branch_on_merge]",
        "  delete_source_branch_on_merge: true",
        "  repo_locking: false",
        "  custom_policy_check: true",
        "  silence_pr_comments: [plan]",
        "  repo_config_file: infra/atlantis.yaml",
        "metrics:",
        "  prometheus: {endpoint: /metrics}",
        "workflows:",
        "  w:",
        "    import: {steps: [init]}",
        "",
      ].join("\n"),
    );
    const text = config.unsupported.join("\n");
    for (const key of [
      "repos.0.allowed_overrides` (line 5)",
      "repos.0.delete_source_branch_on_merge` (line 6)",
      "repos.0.repo_locking` (line 7)",
      "repos.0.custom_policy_check` (line 8)",
      "repos.0.silence_pr_comments` (line 9)",
      "repos.0.repo_config_file` (line 10)",
      "metrics` (line 11)",
      "workflows.w.import",
    ]) {
      expect(text).toContain(key);
    }
  });

  it.each([
    ["repos:\n- id: /.*/\n  apply_requirement: [approved]\n", /repos\.0: Unrecognized key: "apply_requirement" \(line 2\)/],
    ["repos:\n- id: /.*/\n  workflow: nope\n", /repos\.0\.workflow: workflow "nope" is not defined \(line 3\)/],
    ["repos:\n- id: /(/\n", /repos\.0\.id: \/\(\/ is not a regular expression that compiles \(line 2\)/],
    ["repos:\n- id: /.*/\n  apply_requirements: [approved, reviewed]\n", /repos\.0\.apply_requirements\.1: .* \(line 3\)/],
    ["repos: [\n", /invalid YAML/],
  ])("a malformed file stops the start, naming the key and line: %s", (text, message) => {
    expect(() => load(text)).toThrow(ConfigError);
    expect(() => load(text)).toThrow(message);
  });

  it("a key set in both files is a start error naming both", () => {
    expect(() => load("repos:\n- id: /.*/\n  apply_requirements: []\n", { sluice: "apply_requirements: [approved]\n" })).toThrow(
      /`apply_requirements` is set in both .*f\d+\.yaml and .*f\d+\.yaml/,
    );
    expect(() =>
      load("workflows:\n  w: {plan: {steps: [init, plan]}}\n", { sluice: "workflows:\n  w: {plan: {steps: [init, plan]}}\n" }),
    ).toThrow(/`workflows\.w` is set in both/);
    // Different keys: both apply, Sluice's file keeps its own.
    const both = load("repos:\n- id: /.*/\n  allowed_overrides: [workflow]\n", {
      sluice: 'apply_requirements: [approved]\nrepos: ["acme/*"]\n',
    });
    const acme = serverConfigFor(both, "acme/x");
    expect(acme.config.apply_requirements).toEqual(["approved"]);
    expect(acme.config.allowed_overrides).toEqual(["workflow"]);
    expect(acme.sources.allowed_overrides).toMatch(/repos\[0\] \(id: \/\.\*\/\)/);
    expect(serverConfigFor(both, "other/x").allowed).toBe(false);
  });
});

describe("Atlantis' policy-check cases decided server-side, their repos.yaml unchanged", () => {
  const cases = join(import.meta.dirname, "../fixtures/atlantis-policy-cases");
  it.each([
    // case, ATLANTIS_ENABLE_POLICY_CHECKS, Atlantis' ExpPolicyChecks
    ["policy-checks-disabled-repo-server-side", true, false],
    ["policy-checks-enabled-repo-server-side", false, false],
    ["policy-checks-disabled-previous-match", true, false],
    // The same file with checks on and the repo's entry not turning them off: checked.
    ["policy-checks-enabled-repo-server-side", true, true],
  ])("%s (policy checks %s): checked %s", (name, policyChecks, checked) => {
    const config = loadServerSettings({
      atlantis: join(cases, name, "repos.yaml"),
      atlantisPolicyChecks: policyChecks,
      host: "github.com",
    });
    const repo = "runatlantis/atlantis-tests";
    expect(policiesFor(serverConfigFor(config, repo).config, repo) !== undefined).toBe(checked);
  });
});
