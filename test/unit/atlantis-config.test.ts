import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TF_DEFAULT, tf } from "../support/project-config.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { RepoConfig, WorkflowStep } from "../../src/model/repo-config.js";

// Fixtures written for Sluice, modelled on the examples of Atlantis' repo-level atlantis.yaml and
// custom workflow docs; each is read as-is and must give exactly this model and these warnings.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/repo-config/atlantis/${name}`, import.meta.url), "utf8");
const INIT: WorkflowStep = { kind: "init", extraArgs: [] };
const PLAN: WorkflowStep = { kind: "plan", extraArgs: [] };
const APPLY: WorkflowStep = { kind: "apply", extraArgs: [] };
/** An atlantis.yaml `run`: a script for `sh -c` (or the step's shell), as Atlantis runs it. */
const sh = (script: string, shell = "sh", args = ["-c"]): WorkflowStep => ({ kind: "run", argv: [shell, ...args, script], shell: true });

const ATLANTIS_DEFAULTS = {
  source: "atlantis.yaml",
  autodiscover: { enabled: false, ignore: [] },
  parallelPlan: false,
  parallelApply: false,
  automerge: false,
  applyOn: "comment",
  approvals: 1,
  workflows: {},
  warnings: [],
} as const;

function load(name: string): RepoConfig {
  const result = loadRepoConfig({ atlantis: fixture(name) });
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.join("\n")}`);
  return result.config;
}

const unsupported = (key: string, detail?: string) =>
  `\`${key}\` is not supported by Sluice and was ignored${detail ? ` (${detail})` : ""}`;

describe("atlantis.yaml fixtures -> the normalized model", () => {
  it("all-keys.yaml: every Atlantis key, supported or reported", () => {
    expect(load("all-keys.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      setKeys: ["automerge"],
      projects: [
        tf("base", { name: "base" }),
        tf(".", {
          name: "storefront",
          runner: "opentofu",
          terraformVersion: "v1.8.2",
          autoplan: { enabled: true, whenModified: ["*.tf", "modules/**/*.tf", ".terraform.lock.hcl"] },
          applyRequirements: ["mergeable", "approved", "undiverged"],
          executionOrderGroup: 1,
          dependsOn: ["base"],
          workflow: "storefront-flow",
          branch: "/release/",
        }),
      ],
      abortOnExecutionOrderFail: true,
      autodiscover: { enabled: false, ignore: ["scratch/**"] },
      parallelPlan: true,
      parallelApply: true,
      automerge: true,
      workflows: {
        "storefront-flow": {
          plan: [
            sh("./bin/prepare --env shop"),
            sh("./bin/prepare --quiet"),
            INIT,
            { kind: "plan", extraArgs: ["-lock", "false"] },
            sh("./bin/notify planned"),
          ],
          apply: [sh("echo applying"), APPLY],
        },
      },
      warnings: [
        unsupported("delete_source_branch_on_merge"),
        "`projects[1].terraform_version` (v1.8.2) is kept for reference only: Sluice downloads no Terraform and runs the server's binary",
        unsupported("projects[1].delete_source_branch_on_merge"),
        unsupported("projects[1].repo_locking"),
        unsupported("projects[1].repo_locks"),
        unsupported("projects[1].custom_policy_check"),
        unsupported("projects[1].plan_requirements"),
        unsupported("projects[1].import_requirements"),
        unsupported("projects[1].silence_pr_comments"),
        unsupported("workflows.storefront-flow.plan.steps[1].run.output", "output is always shown, redacted"),
        unsupported("allowed_regexp_prefixes"),
      ],
    });
  });

  it("workspaces.yaml: one dir in two workspaces, disabled autoplan, ../modules globs", () => {
    expect(load("workspaces.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [
        tf("billing", { name: "billing-staging", workspace: "staging" }),
        tf("billing", { name: "billing-production", workspace: "production", applyRequirements: ["approved"] }),
        tf("sandbox", { autoplan: { enabled: false, whenModified: TF_DEFAULT } }),
        tf("billing-api", {
          autoplan: { enabled: true, whenModified: ["../modules/**/*.tf", "*.tf*", ".terraform.lock.hcl"] },
        }),
        tf("legacy", { terraformVersion: "0.12.31" }),
      ],
      warnings: [
        "`projects[4].terraform_version` (0.12.31) is kept for reference only: Sluice downloads no Terraform and runs the server's binary",
      ],
    });
  });

  it("depends-on.yaml: one dir, three workspaces chained by depends_on and groups", () => {
    const env = (name: string, group: number, dependsOn: string[]) =>
      tf(".", {
        name,
        workspace: name,
        autoplan: { enabled: true, whenModified: ["*.tf", `env/${name}.tfvars`] },
        dependsOn,
        executionOrderGroup: group,
        workflow: "envs",
      });
    expect(load("depends-on.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [env("dev", 1, []), env("stage", 2, ["dev"]), env("prod", 3, ["stage"])],
      workflows: {
        envs: { plan: [INIT, { kind: "plan", extraArgs: ["-var-file=env/dev.tfvars"] }], apply: [APPLY] },
      },
    });
  });

  it("execution-order.yaml: groups kept, abort_on_execution_order_fail read", () => {
    expect(load("execution-order.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [
        tf("frontend", { executionOrderGroup: 2 }),
        tf("backend", { executionOrderGroup: 1 }),
        tf("cdn", { executionOrderGroup: 2 }),
      ],
      abortOnExecutionOrderFail: true,
    });
  });

  it("autodiscover.yaml: mode enabled discovers besides the listed projects", () => {
    expect(load("autodiscover.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [tf("core", { name: "core-blue", workspace: "blue" })],
      autodiscover: { enabled: true, ignore: ["experiments/*", "vendor/**"] },
    });
  });

  it("autodiscover-disabled.yaml: no projects and no discovery", () => {
    expect(load("autodiscover-disabled.yaml")).toEqual({ ...ATLANTIS_DEFAULTS, projects: [] });
  });

  it("custom-workflows.yaml: tfvars workflows, custom commands run by their shell, Terragrunt", () => {
    expect(load("custom-workflows.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [
        tf("shop", { name: "shop-staging", workspace: "staging", workflow: "staging" }),
        tf("shop", { name: "shop-production", workspace: "production", workflow: "production" }),
        tf("live/prod", { workflow: "terragrunt" }),
        tf("raw", { workflow: "handmade" }),
      ],
      workflows: {
        staging: { plan: [INIT, { kind: "plan", extraArgs: ["-var-file", "staging.tfvars"] }], apply: [APPLY] },
        production: {
          plan: [
            { kind: "init", extraArgs: ["-backend-config=production.backend.tfvars"] },
            { kind: "plan", extraArgs: ["-var-file", "production.tfvars"] },
          ],
          apply: [{ kind: "apply", extraArgs: ["-var-file", "production.tfvars"] }],
        },
        handmade: {
          plan: [
            sh("terraform init -input=false"),
            sh("terraform workspace select $WORKSPACE"),
            sh("terraform plan -input=false -refresh -out $PLANFILE"),
          ],
          apply: [sh("terraform apply $PLANFILE")],
        },
        terragrunt: {
          plan: [
            { kind: "env", name: "TF_IN_AUTOMATION", value: "true" },
            sh("terragrunt plan -input=false -out=plan.tfplan", "bash"),
            sh("terragrunt show plan.tfplan\n"),
          ],
          apply: [sh("terragrunt apply plan.tfplan")],
        },
      },
      warnings: [
        unsupported("workflows.production.import"),
        unsupported("workflows.production.state_rm"),
        unsupported("workflows.handmade.plan.steps[0].run.output", "output is always shown, redacted"),
        unsupported("workflows.handmade.policy_check"),
        unsupported(
          "workflows.terragrunt.plan.steps[0].env.command",
          "Sluice sets an env step from its `value` only; the env step was skipped",
        ),
        unsupported("workflows.terragrunt.plan.steps[3].multienv", "`multienv` step"),
        unsupported("workflows.terragrunt.apply.steps[0].run.shell", "pwsh: Sluice runs `sh` or `bash`; this step runs with `sh -c`"),
        unsupported("workflows.terragrunt.apply.steps[0].run.shellArgs", "they belong to the shell Sluice does not run"),
      ],
    });
  });

  it("anchors.yaml: merge keys expand as go-yaml expands them", () => {
    const autoplan = { enabled: true, whenModified: ["./terraform/modules/**/*.tf", "**/*.tf", ".terraform.lock.hcl"] };
    expect(load("anchors.yaml")).toEqual({
      ...ATLANTIS_DEFAULTS,
      projects: [
        tf("template", { name: "template", workflow: "custom", autoplan }),
        tf("terraform/api", { name: "eu-prod-api", workspace: "eu-prod", workflow: "custom", autoplan }),
        tf("terraform/api", { name: "eu-stage-api", workspace: "eu-stage", workflow: "custom", autoplan }),
      ],
      workflows: { custom: { plan: [INIT, PLAN], apply: [APPLY] } },
    });
  });
});

describe("atlantis.yaml leniency and its limits", () => {
  const warnings = (text: string) => {
    const result = loadRepoConfig({ atlantis: text });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    return result.config.warnings;
  };

  it("names unknown keys at every level instead of refusing them", () => {
    expect(
      warnings(
        "version: 3\nfancy: 1\nprojects:\n- dir: a\n  colour: red\n  autoplan: {enabled: true, when: x}\nautodiscover: {mode: auto, extra: 1}\nworkflows:\n  w:\n    deploy: {}\n    plan:\n      steps: [init]\n      notes: x\n",
      ),
    ).toEqual([
      "`fancy` is not a known atlantis.yaml key and was ignored",
      "`projects[0].colour` is not a known atlantis.yaml key and was ignored",
      "`projects[0].autoplan.when` is not a known atlantis.yaml key and was ignored",
      "`autodiscover.extra` is not a known atlantis.yaml key and was ignored",
      "`workflows.w.deploy` is not a known atlantis.yaml key and was ignored",
      "`workflows.w.plan.notes` is not a known atlantis.yaml key and was ignored",
    ]);
  });

  it("reports requirements it does not know and keeps the rest", () => {
    const result = loadRepoConfig({
      atlantis: "version: 3\nprojects:\n- dir: a\n  apply_requirements: [approved, policies_passed, approved]\n",
    });
    expect(result.ok && result.config.projects[0]?.applyRequirements).toEqual(["approved"]);
    expect(result.ok && result.config.warnings).toEqual([unsupported("projects[0].apply_requirements[1]", "requirement policies_passed")]);
  });

  it("refuses a requirement it does not know, as Atlantis does, instead of dropping it (attack: a typo must not leave no requirement)", () => {
    const result = loadRepoConfig({ atlantis: "version: 3\nprojects:\n- dir: a\n  apply_requirements: [aproved]\n" });
    // Dropped, `[aproved]` was `[]`: with `allowed_overrides: [apply_requirements]` that replaced the
    // server's requirements by none, where Atlantis refuses the file.
    expect(result).toEqual({
      ok: false,
      file: "atlantis.yaml",
      errors: [
        "projects[0].apply_requirements[0]: unknown apply requirement aproved; expected approved, mergeable, undiverged, code_owners, verified_commits or policies_passed (line 4)",
      ],
    });
  });

  it("keeps a workflow defined only server-side for the server config to resolve; `default` is the default", () => {
    const result = loadRepoConfig({ atlantis: "version: 3\nprojects:\n- dir: a\n  workflow: terragrunt\n- dir: b\n  workflow: default\n" });
    expect(result.ok && result.config.projects.map((p) => p.workflow)).toEqual(["terragrunt", undefined]);
    expect(result.ok && result.config.warnings).toEqual([]);
  });

  it("reads scalars as Go would into string fields, keeping their text", () => {
    const result = loadRepoConfig({
      atlantis: "version: 3\nprojects:\n- dir: 2024\n  workspace: 1\n  terraform_version: 1.10\n  depends_on: [7]\n- name: 7\n  dir: b\n",
    });
    expect(result.ok && result.config.projects.map((p) => [p.name, p.dir, p.workspace, p.terraformVersion])).toEqual([
      ["2024-1", "2024", "1", "1.10"],
      ["7", "b", "default", undefined],
    ]);
    expect(result.ok && result.config.projects[0]?.dependsOn).toEqual(["7"]);
  });

  it("reads show, import and policy steps as reported no-ops, and null stages as defaults", () => {
    const result = loadRepoConfig({
      atlantis:
        "version: 3\nworkflows:\n  w:\n    plan:\n      steps: [init, plan, show, {show: {}}, import, {state_rm: {extra_args: [x]}}]\n    apply:\n",
    });
    expect(result.ok && result.config.workflows).toEqual({ w: { plan: [INIT, PLAN], apply: [APPLY] } });
    expect(result.ok && result.config.warnings).toEqual([
      "`workflows.w.plan.steps[2]` (`show`) was ignored: Sluice always runs `show -json` after a plan",
      "`workflows.w.plan.steps[3].show` was ignored: Sluice always runs `show -json` after a plan",
      unsupported("workflows.w.plan.steps[4]", "`import` step"),
      unsupported("workflows.w.plan.steps[5].state_rm", "`state_rm` step"),
    ]);
  });

  it("keeps an empty stage empty, as Atlantis does", () => {
    const result = loadRepoConfig({ atlantis: "version: 3\nworkflows:\n  w:\n    apply:\n      steps: []\n" });
    expect(result.ok && result.config.workflows.w).toEqual({ plan: [INIT, PLAN], apply: [] });
  });
});

describe("several named projects on one dir and workspace", () => {
  it("accepts the docs' custom backend config: each project its own init and var file, no warning", () => {
    const result = loadRepoConfig({ atlantis: fixture("custom-backend.yaml") });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.config.projects.map((p) => [p.name, p.dir, p.workspace, p.workflow])).toEqual([
      ["staging", ".", "default", "staging"],
      ["production", ".", "default", "production"],
    ]);
    expect(result.config.warnings.filter((w) => w.includes("share one backend"))).toEqual([]);
  });

  it("warns, naming both, when two of them would init the same backend", () => {
    const yaml = "version: 3\nprojects:\n  - name: a\n    dir: .\n  - name: b\n    dir: .\n  - name: c\n    dir: other\n";
    const result = loadRepoConfig({ atlantis: yaml });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.config.warnings).toContain(
      "projects a and b (dir ., workspace default) run `init` with the same arguments, so they share one backend and one state: give each workflow's `init` its own `-backend-config`, or they will overwrite each other's resources",
    );
  });

  it("still refuses an unnamed project on a used dir and workspace, and a name used twice", () => {
    const unnamed = loadRepoConfig({ atlantis: "version: 3\nprojects:\n  - name: a\n    dir: .\n  - dir: .\n" });
    expect(unnamed).toEqual({
      ok: false,
      file: "atlantis.yaml",
      errors: [
        "projects[1]: dir . and workspace default are already used by projects[0] on line 3; projects that share a dir and workspace must each have a `name` (line 5)",
      ],
    });
    const twice = loadRepoConfig({ atlantis: "version: 3\nprojects:\n  - name: a\n    dir: .\n  - name: a\n    dir: .\n" });
    expect(twice.ok).toBe(false);
    expect(!twice.ok && twice.errors).toEqual(["projects[1].name: duplicate project name a (also projects[0] on line 3) (line 5)"]);
  });
});

const INVALID: [string, string[]][] = [
  [
    "unsafe.yaml",
    [
      "projects[0].dir: must be a relative path inside the repo, got ../../ (line 3)",
      "projects[1].workspace: must be a workspace name (no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters), got ../../../../tmp/x (line 5)",
      "projects[2].dir: must be a relative path inside the repo, got / (line 6)",
      'projects[3].name: must be a project name (letters, digits, `.`, `_`, `~`, `-`, `/`; not starting with `-` or `/`; at most 128 characters), got "bad name!" (line 7)',
    ],
  ],
  [
    "bad-steps.yaml",
    [
      "workflows.broken.plan.steps[0]: unknown step plann; expected init, plan, apply, run or env (line 6)",
      "workflows.broken.plan.steps[1]: a step must have exactly one key, got init, plan (line 7)",
      "workflows.broken.plan.steps[3].env: value and command cannot both be set (line 10)",
      "workflows.broken.plan.steps[4].env.name: is required (line 14)",
      "workflows.broken.plan.steps[5]: must be a step name or a mapping with one key, got 42 (line 16)",
      "workflows.broken.plan.steps[6].frobnicate: unknown step frobnicate; expected init, plan, apply, run or env (line 17)",
    ],
  ],
  [
    "wrong-types.yaml",
    [
      "version: must be 3, got 2 (line 1)",
      "projects[0].dir: is required (line 3)",
      'projects[1].autoplan.enabled: must be true or false, got "true" (line 6)',
      'projects[1].execution_order_group: must be a number, got "1" (line 7)',
      "automerge: must be true or false, got maybe (line 8)",
    ],
  ],
];

describe("atlantis.yaml: invalid fixtures", () => {
  it.each(INVALID)("%s", (name, errors) => {
    expect(loadRepoConfig({ atlantis: fixture(`invalid/${name}`) })).toEqual({ ok: false, file: "atlantis.yaml", errors });
  });
});
