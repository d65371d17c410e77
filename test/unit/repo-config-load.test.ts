import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TF_DEFAULT, tf } from "../support/project-config.js";
import { defaultRepoConfig, loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import type { Project } from "../../src/model/project.js";
import type { RepoConfig } from "../../src/model/repo-config.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/repo-config/sluice/${name}`, import.meta.url), "utf8");

function load(sluice: string): RepoConfig {
  const result = loadRepoConfig({ sluice });
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.join("\n")}`);
  return result.config;
}

function errorsOf(files: { sluice?: string; atlantis?: string }, opts?: { maxBytes?: number }): string[] {
  const result = loadRepoConfig(files, opts);
  if (result.ok) throw new Error("expected errors, got a valid config");
  return result.errors;
}

describe("loadRepoConfig: .sluice.yaml", () => {
  it("reads every key of full.yaml into the model", () => {
    expect(load(fixture("full.yaml"))).toEqual({
      source: ".sluice.yaml",
      setKeys: ["apply_on", "automerge", "approvals"],
      projects: [
        tf("network", { executionOrderGroup: 1, applyRequirements: ["approved", "mergeable"] }),
        tf("apps/web", {
          name: "app-staging",
          workspace: "staging",
          runner: "opentofu",
          terraformBinary: "tofu",
          autoplan: { enabled: true, whenModified: ["*.tf", "../../modules/**/*.tf", "!**/*_test.tf"] },
          dependsOn: ["network"],
          executionOrderGroup: 2,
          workflow: "vars",
        }),
        tf("apps/web", {
          name: "apps/web-production",
          workspace: "production",
          terraformVersion: "1.9.8",
          autoplan: { enabled: false, whenModified: TF_DEFAULT },
          dependsOn: ["network", "app-staging"],
          executionOrderGroup: 2,
          workflow: "vars",
        }),
        {
          name: "web-chart",
          dir: "charts/web",
          workspace: "default",
          runner: "helm",
          autoplan: { enabled: true, whenModified: ["**/*"] },
          dependsOn: [],
          executionOrderGroup: 0,
          helm: {
            release: "web",
            namespace: "web-prod",
            values: ["values.yaml", "env/prod.yaml", "../shared/common.yaml"],
            set: { "image.tag": "1.4.2", replicaCount: 3, "ingress.enabled": true },
            secretSet: { "auth.token": "WEB_AUTH_TOKEN" },
            ignore: ["metadata.annotations.checksum/config"],
          },
        },
        {
          name: "k8s/overlays/prod",
          dir: "k8s/overlays/prod",
          workspace: "default",
          runner: "kustomize",
          autoplan: { enabled: true, whenModified: ["**/*"] },
          dependsOn: [],
          executionOrderGroup: 0,
          kustomize: { namespace: "prod", ignore: ["metadata.labels.date"] },
        },
      ],
      autodiscover: { enabled: true, ignore: ["sandbox/**", "legacy/*"] },
      parallelPlan: true,
      parallelApply: true,
      sparseCheckout: false,
      automerge: true,
      applyOn: "merge",
      approvals: 2,
      workflows: {
        vars: {
          plan: [
            { kind: "init", extraArgs: ["-backend-config=backend.hcl"] },
            { kind: "env", name: "TF_IN_AUTOMATION", value: "1" },
            { kind: "run", argv: ["./scripts/check.sh", "--strict", "two words"] },
            { kind: "run", argv: ["tflint", "--format", "compact"] },
            { kind: "run", argv: ["terraform", "validate"], env: { TF_LOG: "info" } },
            { kind: "plan", extraArgs: ["-var-file=vars/$WORKSPACE.tfvars"] },
          ],
          apply: [{ kind: "apply", extraArgs: [] }],
        },
        "apply-only": {
          plan: [
            { kind: "init", extraArgs: [] },
            { kind: "plan", extraArgs: [] },
          ],
          apply: [{ kind: "apply", extraArgs: [] }],
        },
      },
      warnings: [
        "`projects[2].terraform_version` (1.9.8) is kept for reference only: Sluice downloads no Terraform and runs the server's binary",
      ],
    });
  });

  it("gives projects the rest of the app can use as they are", () => {
    // Type-level: a ProjectConfig is a Project (helm and kustomize settings included).
    const projects: Project[] = load(fixture("full.yaml")).projects;
    expect(projects.map((p) => p.runner)).toEqual(["terraform", "opentofu", "terraform", "helm", "kustomize"]);
  });

  it("fills every default for minimal.yaml, with autodiscovery on (no projects)", () => {
    expect(load(fixture("minimal.yaml"))).toEqual({ ...defaultRepoConfig(), source: ".sluice.yaml" });
  });

  it("follows anchors and merge keys (anchors.yaml)", () => {
    const shared = { enabled: true, whenModified: ["**/*.tf", "../../modules/**"] };
    expect(load(fixture("anchors.yaml")).projects).toEqual([
      tf("envs/dev", { autoplan: shared, executionOrderGroup: 1 }),
      tf("envs/prod", { autoplan: shared, executionOrderGroup: 2 }),
    ]);
  });

  it("uses defaults when no config file exists", () => {
    expect(loadRepoConfig({})).toEqual({
      ok: true,
      config: {
        source: "none",
        projects: [],
        autodiscover: { enabled: true, ignore: [] },
        parallelPlan: true,
        parallelApply: false,
        automerge: false,
        applyOn: "comment",
        approvals: 1,
        workflows: {},
        warnings: [],
      },
    });
  });

  it("prefers .sluice.yaml and says atlantis.yaml was ignored", () => {
    const result = loadRepoConfig({ sluice: "version: 1\n", atlantis: "version: 3\nprojects: [{dir: x}]\n" });
    expect(result.ok && result.config.source).toBe(".sluice.yaml");
    expect(result.ok && result.config.warnings).toEqual(["atlantis.yaml was ignored because .sluice.yaml exists"]);
  });

  it("reports errors from .sluice.yaml even when atlantis.yaml is valid", () => {
    expect(loadRepoConfig({ sluice: "version: 2\n", atlantis: "version: 3\n" })).toEqual({
      ok: false,
      file: ".sluice.yaml",
      errors: ["version: must be 1, got 2 (line 1)"],
    });
  });

  it.each([
    ["dir only", "version: 1\nprojects:\n  - dir: a/b\n", "a/b"],
    ["root", "version: 1\nprojects:\n  - dir: .\n", "."],
    ["root, another workspace", "version: 1\nprojects:\n  - dir: ./\n    workspace: prod\n", ".-prod"],
    ["workspace", "version: 1\nprojects:\n  - dir: a//b/\n    workspace: prod\n", "a/b-prod"],
  ])("names projects after dir and workspace by default (%s)", (_, text, name) => {
    expect(load(text).projects[0]?.name).toBe(name);
  });

  it("infers the runner from a helm or kustomize block and defaults its globs to every file", () => {
    const config = load("version: 1\nprojects:\n  - dir: chart\n    helm: {}\n  - dir: k\n    kustomize: {}\n");
    expect(config.projects.map((p) => [p.runner, p.autoplan.whenModified])).toEqual([
      ["helm", ["**/*"]],
      ["kustomize", ["**/*"]],
    ]);
    expect(config.projects[0]?.helm).toEqual({ values: [], set: {}, secretSet: {}, ignore: [] });
  });

  it("turns autodiscovery on or off as Atlantis' mode says", () => {
    const mode = (m: string, projects: string) =>
      load(`version: 1\nautodiscover: {mode: ${m}}\nprojects: ${projects}\n`).autodiscover.enabled;
    expect([mode("auto", "[]"), mode("auto", "[{dir: a}]")]).toEqual([true, false]);
    expect([mode("enabled", "[{dir: a}]"), mode("disabled", "[]")]).toEqual([true, false]);
  });

  it("warns about shell syntax in run command lines, which run without a shell", () => {
    const config = load(
      "version: 1\nworkflows:\n  w:\n    plan:\n      steps:\n        - run: terraform plan -out $PLANFILE\n        - run: make a | tee b\n        - run: [sh, -c, 'echo $HOME']\n",
    );
    expect(config.warnings).toEqual([
      "`workflows.w.plan.steps[0].run` uses shell syntax (`$`) that Sluice does not interpret: it runs the command without a shell",
      "`workflows.w.plan.steps[1].run` uses shell syntax (`|`) that Sluice does not interpret: it runs the command without a shell",
    ]);
    expect(config.workflows.w?.plan[0]).toEqual({ kind: "run", argv: ["terraform", "plan", "-out", "$PLANFILE"] });
  });

  it("reports run command lines it cannot split", () => {
    expect(errorsOf({ sluice: 'version: 1\nworkflows:\n  w:\n    apply:\n      steps:\n        - run: "echo \'x"\n' })).toEqual([
      "workflows.w.apply.steps[0].run: unterminated single quote (`'`) (line 6)",
    ]);
  });
});

describe("loadRepoConfig: small cases", () => {
  it.each<[string, string, string[]]>([
    ["an empty workflow name", 'workflows:\n  "": {}\n', ['workflows[""]: key must not be empty (line 3)']],
    [
      "a bad env name in run.env",
      'workflows:\n  w:\n    plan:\n      steps:\n        - run: {command: x, env: {"1A": b}}\n',
      ["workflows.w.plan.steps[0].run.env.1A: key must be an environment variable name such as TF_LOG (line 6)"],
    ],
    ["an empty name", 'projects: [{dir: a, name: ""}]\n', ["projects[0].name: must not be empty (line 2)"]],
    [
      "a bare `!` glob",
      'projects: [{dir: a, autoplan: {when_modified: ["!"]}}]\n',
      ["projects[0].autoplan.when_modified[0]: must not be empty, got ! (line 2)"],
    ],
    [
      "an unknown runner",
      "projects: [{dir: a, runner: pulumi}]\n",
      ["projects[0].runner: must be one of terraform, opentofu, helm, kustomize, terragrunt, got pulumi (line 2)"],
    ],
    [
      "ignore paths outside the repo",
      'autodiscover: {ignore_paths: ["../x", "!y", "/z"]}\n',
      [
        "autodiscover.ignore_paths[0]: climbs out of the repository, got ../x (line 2)",
        "autodiscover.ignore_paths[1]: must not start with `!`, got !y (line 2)",
        "autodiscover.ignore_paths[2]: must be relative to the repository root, got /z (line 2)",
      ],
    ],
    [
      "smart quotes in a command line",
      'workflows: {w: {plan: {steps: [{run: "echo \u201chi\u201d"}]}}}\n',
      ["workflows.w.plan.steps[0].run: use straight quotes (`'` or `\"`) instead of `\u201c` (line 2)"],
    ],
    ["approvals of zero", "approvals: 0\n", ["approvals: must be at least 1 (line 2)"]],
  ])("refuses %s", (_, body, errors) => {
    expect(errorsOf({ sluice: `version: 1\n${body}` })).toEqual(errors);
  });

  it("keeps helm --set values typed (numbers and booleans reach helm as JSON) and accepts argv commands with env", () => {
    const config = load(
      "version: 1\nprojects:\n  - dir: a\n    helm: {set: {replicas: 1.10, on: true}}\nworkflows:\n  w:\n    plan:\n      steps:\n        - run: {command: [make, plan], env: {A: b}}\n",
    );
    expect(config.projects[0]?.helm?.set).toEqual({ replicas: 1.1, on: true });
    expect(config.workflows.w?.plan).toEqual([{ kind: "run", argv: ["make", "plan"], env: { A: "b" } }]);
  });
});

// Each invalid fixture with its exact messages: key path, what is wrong, line.
const INVALID: [string, string[]][] = [
  ["ghsa-dir.yaml", ["projects[2].dir: must be a relative path inside the repo, got ../../etc (line 14)"]],
  [
    "unsafe-dirs.yaml",
    [
      "projects[0].dir: must be a relative path inside the repo, got / (line 4)",
      "projects[1].dir: must be a relative path inside the repo, got ../x (line 5)",
      "projects[2].dir: must be a relative path inside the repo, got a/../../b (line 6)",
      "projects[3].dir: must be a relative path inside the repo, got ../../etc (line 7)",
      "projects[4].dir: must be a relative path inside the repo, got a\\b; it must not contain backslashes (line 8)",
      'projects[5].dir: must be a relative path inside the repo, got "sub\\u0000dir"; it contains a control or invisible character (line 9)',
      'projects[6].dir: must be a relative path inside the repo, got ""; it is empty (line 10)',
      "projects[7].autoplan.when_modified[0]: climbs out of the repository, got ../../outside/** (line 13)",
      "projects[7].autoplan.when_modified[1]: `..` may only follow plain directory names, got **/../x (line 13)",
      "projects[7].autoplan.when_modified[2]: must be relative to the project dir, got /abs/*.tf (line 13)",
    ],
  ],
  [
    "unsafe-workspace.yaml",
    [
      "projects[0].workspace: must be a workspace name (no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters), got ../../../../tmp/x (line 4)",
      "projects[1].workspace: must be a workspace name (no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters), got a..b (line 6)",
      "projects[2].workspace: must be a workspace name (no `/`, `\\`, `..`, `$`, spaces or control characters, not starting with `-` or `~`, at most 90 characters), got -rf (line 8)",
    ],
  ],
  [
    "wrong-types.yaml",
    [
      'version: must be 1, got "1" (line 1)',
      'parallel_plan: must be true or false, got "yes" (line 2)',
      "approvals: must be a whole number, got 1.5 (line 3)",
      "apply_on: must be one of comment, merge, got push (line 4)",
      'projects[0].terraform_version: must be a string, got 1.1 (quote it: "1.10") (line 7)',
      "projects[0].execution_order_group: must be a number, got first (line 8)",
      "projects[0].depends_on: must be a list, got network (line 9)",
      "projects[0].autoplan.when_modified: must be a list, got *.tf (line 12)",
      "projects[0].apply_requirements[1]: must be one of approved, mergeable, undiverged, code_owners, verified_commits, got reviewed (line 13)",
      "projects[1].dir: is required (line 14)",
    ],
  ],
  [
    "unknown-keys.yaml",
    [
      "projcts: unknown key (line 2)",
      "projects[0].workspce: unknown key (line 5)",
      "projects[0].autoplan.when-modified: unknown key (line 7)",
      "autodiscover.ignore: unknown key (line 10)",
    ],
  ],
  [
    "bad-steps.yaml",
    [
      "workflows.custom.plan.steps[0]: must be one of init, plan, apply, got validate (line 6)",
      "workflows.custom.plan.steps[1].run: must be a command line, a list of arguments or a mapping with `command`, got 5 (line 7)",
      "workflows.custom.plan.steps[2]: must be init, plan, apply, or a mapping with one of init, plan, apply, run, env, got a mapping (line 8)",
      "workflows.custom.plan.steps[3].run.command: is required (line 9)",
      "workflows.custom.plan.steps[3].run.comand: unknown key (line 10)",
      "workflows.custom.plan.steps[4].init.extra_args: must be a list, got -upgrade (line 12)",
      "workflows.custom.plan.steps[6].env.name: must be an environment variable name such as TF_LOG, got 1BAD (line 15)",
      "workflows.custom.plan.steps[7]: must be init, plan, apply, or a mapping with one of init, plan, apply, run, env, got a mapping (line 17)",
      "workflows.custom.apply.steps[0].run: must not be empty (line 21)",
    ],
  ],
  ["project-graph.yaml", ["projects[0].depends_on: depends_on cycle: a -> b -> c -> a (line 5)"]],
  [
    "project-refs.yaml",
    [
      "projects[1].depends_on[1]: no project named db (line 8)",
      "projects[1].depends_on[2]: a project cannot depend on itself (line 8)",
      "projects[2].name: duplicate project name network (also projects[0] on line 3) (line 11)",
      "projects[3]: dir app and workspace default are already used by projects[1] on line 6; projects that share a dir and workspace must each have a `name` (line 13)",
      'projects[5].name: must be a project name (letters, digits, `.`, `_`, `~`, `-`, `/`; not starting with `-` or `/`; at most 128 characters), got "my app" (line 16)',
    ],
  ],
  [
    "group-conflict.yaml",
    ["projects[1].depends_on[0]: network is in execution_order_group 2, which runs after this project's group 1 (line 8)"],
  ],
  [
    "runners.yaml",
    [
      "projects[0].helm: is only allowed when runner is helm, got runner terraform (line 5)",
      "projects[1]: a project cannot have both helm and kustomize settings (line 7)",
      "projects[2].terraform_binary: does not apply to runner kustomize (line 12)",
      "projects[3].helm.values[0]: must be a file in the repository, not a URL, got https://example.com/values.yaml (line 15)",
      "projects[3].helm.values[1]: must be a relative path inside the repo, got ../../../x.yaml (line 15)",
      "projects[3].helm.values[2]: must be a relative path inside the repo, got values/*.yaml (line 15)",
    ],
  ],
  [
    "tool-settings.yaml",
    [
      "projects[0].terraform_binary: must be a binary name such as terraform or tofu, not a path, got /usr/bin/terraform (line 4)",
      "projects[1].helm.release: must be a Helm release name (lowercase letters, digits, `-`), got Web_App (line 7)",
      "projects[1].helm.namespace: must be a Kubernetes namespace name, got Prod (line 8)",
      // The value is never echoed: it may be the secret itself.
      "projects[1].helm.secret_set.password: must be the NAME of a secret in the server config, not a value (line 10)",
      "projects[1].helm.set.nested: must be a string, number or boolean, got a mapping (line 12)",
    ],
  ],
  ["duplicate-key.yaml", ["projects[0].workspace: duplicate key (line 5)"]],
  [
    "syntax-error.yaml",
    ["projects: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (line 4)"],
  ],
];

describe("loadRepoConfig: invalid .sluice.yaml fixtures", () => {
  it.each(INVALID)("%s", (name, errors) => {
    expect(loadRepoConfig({ sluice: fixture(`invalid/${name}`) })).toEqual({ ok: false, file: ".sluice.yaml", errors });
  });
});
