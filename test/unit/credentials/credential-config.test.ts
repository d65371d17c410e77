import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainSettings, formatExplanation } from "../../../src/config/explain-settings.js";
import { repoSettings } from "../../../src/config/repo-settings.js";
import { ConfigError, parseServerConfig } from "../../../src/config/server-config.js";
import { credentialRuleFor } from "../../../src/config/credential-rule-for.js";
import type { RepoConfig } from "../../../src/model/repo-config.js";
import type { Project } from "../../../src/model/project.js";
import { projectView, renderSection } from "../../../src/render/project-view.js";

const CONFIG = `
credentials:
  - match: "acme/infra:prod"
    plan:
      oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/prod-plan" }
    apply:
      oidc: { audience: sts.amazonaws.com, aws_role_arn: "arn:aws:iam::123456789012:role/prod-apply" }
      env: { TF_VAR_db_password: "env:PROD_DB_PASSWORD" }
  - match: "acme/*"
    plan: { pass_env: [AWS_REGION] }
`;

function errorOf(yaml: string): string {
  try {
    parseServerConfig(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

const project = (name: string, dir: string): Project => ({ name, dir, workspace: "default", runner: "terraform" });
/** A base branch's config with these projects (only what matching reads). */
const trusted = (...projects: { name: string; dir: string }[]) =>
  ({ source: ".sluice.yaml", projects: projects.map((p) => ({ ...p, workspace: "default" })) }) as unknown as RepoConfig;

describe("credentials in the server config", () => {
  it("parses rules with defaults filled", () => {
    const config = parseServerConfig(CONFIG);
    expect(config.credentials).toHaveLength(2);
    expect(config.credentials[1]?.plan).toEqual({ env: {}, pass_env: ["AWS_REGION"], files: {} });
  });

  it.each([
    [
      "env value that is a secret itself",
      "plan: { env: { A: hunter2 } }",
      "credentials.0.plan.env.A: must be env:VARIABLE or file:/absolute/path",
    ],
    [
      "one of Sluice's own credentials",
      "plan: { pass_env: [GITHUB_TOKEN] }",
      "credentials.0.plan.pass_env.0: is one of Sluice's own credentials",
    ],
    ["a file mounted over /dev", "apply: { files: { /dev/x: /etc/x } }", "credentials.0.apply.files./dev/x: must be a path of its own"],
    ["a variable Sluice sets itself", "apply: { env: { TF_DATA_DIR: env:X } }", "credentials.0.apply.env.TF_DATA_DIR: is set by Sluice"],
    // Read from one of Sluice's own variables under another name: every run (a PR's plan) would get it.
    [
      "a value read from Sluice's own credential",
      "plan: { env: { DB: env:DATABASE_URL } }",
      "credentials.0.plan.env.DB: env:DATABASE_URL is one of Sluice's own",
    ],
    [
      "half an Azure identity",
      `apply: { oidc: { audience: x, azure_client_id: "${"0".repeat(8)}-0000-0000-0000-${"0".repeat(12)}" } }`,
      "azure_tenant_id",
    ],
    ["a token mounted over /proc", "plan: { oidc: { audience: x, token_path: /proc/self/environ } }", "credentials.0.plan.oidc.token_path"],
    ["a key Sluice does not know", "plan: { secrets: {} }", "credentials.0.plan"],
    ["an oidc block that says nothing of where the token goes", "plan: { oidc: { audience: x } }", "aws_role_arn, gcp_provider"],
  ])("refuses %s, naming the key", (_what, set, message) => {
    expect(errorOf(`credentials:\n  - match: "acme/*"\n    ${set}\n`)).toContain(message);
  });
});

describe("server secrets", () => {
  it("are read from the server's environment, never from one of Sluice's own credentials", () => {
    expect(parseServerConfig("secrets: { db: env:DB_PASSWORD }").secrets).toEqual({ db: "env:DB_PASSWORD" });
    expect(errorOf("secrets: { key: env:PRIVATE_KEY }\n")).toContain("secrets.key: env:PRIVATE_KEY is one of Sluice's own");
  });
});

describe("the manual's examples", () => {
  const page = (name: string) => readFileSync(join(import.meta.dirname, "../../../docs", name), "utf8");
  it("the Cloud credentials example is a valid server config", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(page("cloud-credentials.md"))?.[1] ?? "";
    expect(parseServerConfig(yaml).credentials.map((r) => r.match)).toEqual(["acme/infra:prod-*", "acme/*"]);
  });
  it("the server config page's credentials are valid", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(page("server-config.md"))?.[1] ?? "";
    expect(parseServerConfig(yaml.slice(yaml.indexOf("\ncredentials:"))).credentials).toHaveLength(1);
  });
});

describe("which rule a project gets", () => {
  const config = parseServerConfig(CONFIG);

  it("matches by the trusted project: a PR renaming dev to prod gets dev's rule, not prod's", () => {
    const settings = repoSettings(config, "acme/infra", trusted({ name: "dev", dir: "envs/dev" }, { name: "prod", dir: "envs/prod" }));
    const renamed = settings.credentialsFor(project("prod", "envs/dev"));
    expect(renamed.rule?.match).toBe("acme/*");
    expect(settings.credentialsFor(project("prod", "envs/prod")).rule?.match).toBe("acme/infra:prod");
  });

  it("an autodiscovered project is known by its dir, whatever a PR's new config names it", () => {
    const settings = repoSettings(config, "acme/infra", undefined, {}, [{ name: "envs/dev", dir: "envs/dev", workspace: "default" }]);
    // The token's subject names the dir too: a trust policy for `project:prod` never sees this run.
    expect(settings.credentialsFor(project("prod", "envs/dev"))).toMatchObject({ name: "acme/*", subject: "envs/dev" });
  });

  it("gives none when nothing matches, and says so", () => {
    const x = [{ name: "x", dir: "x", workspace: "default" }];
    const choice = repoSettings(config, "other/repo", undefined, {}, x).credentialsFor(project("x", "x"));
    expect(choice.rule).toBeUndefined();
    expect("why" in choice && choice.why).toContain("no `credentials` rule");
  });

  it("gives none to a dir the base branch has as several projects when the PR names none of them", () => {
    const rules = config.credentials;
    const here = { repo: "acme/infra", dir: "d", workspace: "default" };
    const choice = credentialRuleFor(rules, { kind: "ambiguous", names: ["prod", "staging"], ...here });
    expect(choice.rule).toBeUndefined();
    expect(credentialRuleFor(rules, { kind: "known", name: "a", ...here }).rule?.match).toBe("acme/*");
  });

  it("config explain lists the rules of a repository by name, never a value", () => {
    const text = formatExplanation(explainSettings(config, "acme/infra"));
    expect(text).toContain("acme/infra:prod");
    expect(text).toContain("AWS role arn:aws:iam::123456789012:role/prod-apply");
    expect(text).toContain("env TF_VAR_db_password");
    expect(text).not.toContain("PROD_DB_PASSWORD");
    expect(formatExplanation(explainSettings(config, "other/repo"))).toContain("credentials  none");
  });

  it("config explain lists the rules a repository whose name starts with a dot gets (acme/* covers acme/.infra)", () => {
    // Control: the rule does apply to it.
    expect(
      credentialRuleFor(config.credentials, { kind: "known", name: "a", repo: "acme/.infra", dir: "d", workspace: "default" }).rule?.match,
    ).toBe("acme/*");
    expect(formatExplanation(explainSettings(config, "acme/.infra"))).not.toContain("credentials  none");
  });
});

describe("the comment's credentials line", () => {
  const result = {
    project: project("net", "net"),
    output: "",
    status: "refused" as const,
    reason: "locked",
  };
  it("names the identity, escaped, and is absent when the server has no rules", () => {
    const view = projectView({ ...result, credentials: "`acme/*` (plan): env A_B <b>" }, "plan", (t) => t);
    expect(view.credentials).toBe("credentials: `acme/*` (plan): env A\\_B &lt;b&gt;");
    expect(renderSection(view, 10)).toContain("credentials: `acme/*` (plan)");
    expect(projectView(result, "plan", (t) => t).credentials).toBe("");
  });
});
