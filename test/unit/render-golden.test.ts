import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ProjectResult } from "../../src/model/project-result.js";
import { createRedactor } from "../../src/util/redact.js";
import { type CommentInput, renderComments } from "../../src/render/render-comment.js";
import { input, mixedSummary, PLAN_OUTPUT, planned, project, summary } from "../golden/fixtures.js";
import { structure } from "../golden/markdown-checks.js";

const GOLDEN = new URL("../golden/", import.meta.url);

/** Compares with test/golden/NAME.md; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, bodies: string[]): void {
  const rendered = `${bodies.join("\n\n<!-- ===== next comment ===== -->\n\n")}\n`;
  const file = new URL(`${name}.md`, GOLDEN);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, rendered);
  expect(rendered).toBe(readFileSync(file, "utf8"));
}

const redact = createRedactor({ secrets: ["ghs_0123456789abcdefghijklmnopqrstuvwxyzAB"] });

const failedInit = `Initializing the backend...
Initializing provider plugins...
- Finding hashicorp/aws versions matching "~> 5.0"...
\x1b[31m╷\x1b[0m
\x1b[31m│\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[0m\x1b[1mFailed to query available provider packages\x1b[0m
\x1b[31m│\x1b[0m
\x1b[31m│\x1b[0m Could not retrieve the list of available versions for provider hashicorp/aws:
\x1b[31m│\x1b[0m could not connect to registry.terraform.io: fatal: unable to access
\x1b[31m│\x1b[0m 'https://x-access-token:ghs_0123456789abcdefghijklmnopqrstuvwxyzAB@github.com/acme/modules/'
\x1b[31m╵\x1b[0m
`;

const cases: Record<string, CommentInput> = {
  "plan-changes": input({ results: [planned("net", mixedSummary)] }),
  "destroy-plan": input({ triggerText: "/plan -- -destroy", results: [planned("net", { ...mixedSummary, destroyPlan: true })] }),
  "no-changes": input({
    triggerText: "autoplan",
    triggerUser: "alice",
    results: [
      planned(
        "net",
        summary(),
        "No changes. Your infrastructure matches the configuration.\n\nTerraform has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.\n",
      ),
    ],
  }),
  "failed-init": input({
    results: [
      {
        project: project("net"),
        status: "error",
        failedStep: "init",
        message: "terraform init exited with code 1",
        output: failedInit,
      },
    ],
  }),
  refused: input({
    results: [
      {
        project: project("prod", "envs/prod", "prod"),
        status: "refused",
        reason: "locked by #12 (@bob)",
        link: { text: "#12", url: "https://github.com/acme/infra/pull/12" },
        output: "",
      },
    ],
  }),
  "mixed-3-projects": input({
    triggerText: "/plan",
    results: [
      planned("net", mixedSummary),
      {
        project: project("dns"),
        status: "error",
        failedStep: "plan",
        message: "terraform plan exited with code 1",
        output: "Error: Invalid reference\n\n  on main.tf line 3:\n   3:   name = var.nope\n",
      },
      planned("app", summary(), "No changes. Your infrastructure matches the configuration.\n"),
    ],
  }),
  "why-lines": input({
    triggerText: "autoplan",
    results: [
      {
        ...planned("net", summary(), "No changes.\n"),
        project: {
          ...project("net"),
          why: [
            "`modules/x/a.yaml`, read by module `modules/x` (`file` in `modules/x/main.tf`)",
            "`README_*[x](y)@alice#1`, under `envs/net`, which `file(var.p)` may read (computed path)",
          ],
        },
      },
      {
        ...planned("dns", summary(), "No changes.\n"),
        project: { ...project("dns"), why: Array.from({ length: 8 }, (_, i) => `\`envs/dns/f${i}.tf\``) },
      },
    ],
  }),
  queued: input({ state: "queued" }),
  running: input({ state: "running", pending: ["net", "dns", "app"] }),
  "log-link": input({
    state: "running",
    pending: ["net"],
    logUrl: "https://sluice.example.com/jobs/17/log?project=net (1)",
  }),
  "no-project": input({ triggerText: "autoplan", notice: "No Terraform project changed in this PR." }),
  "policy-failed": input({
    results: [
      {
        ...(planned("net", mixedSummary) as Extract<ProjectResult, { status: "planned" }>),
        policy: {
          sets: [
            { name: "tags", status: "passed", successes: 3, warnings: ["aws_s3_bucket.logs has no cost-center tag"] },
            {
              name: "no_public",
              status: "failed",
              successes: 1,
              failures: ["aws_security_group.web opens <port 22> to 0.0.0.0/0", "`rm -rf` is not a tag value"],
              warnings: [],
            },
            { name: "broken", status: "error", message: "conftest exited with code 2: rego_parse_error" },
          ],
          approvers: { no_public: "2 approvals from @sec-lead, team acme/security" },
        },
      },
    ],
  }),
  applied: input({
    command: "apply",
    triggerText: "/apply",
    results: [
      {
        project: project("net"),
        status: "applied",
        summary: mixedSummary,
        output: "Apply complete! Resources: 2 added, 1 changed, 2 destroyed.\n",
      },
    ],
  }),
};

describe("golden comments", () => {
  for (const [name, data] of Object.entries(cases)) {
    it(name, () => {
      const bodies = renderComments(data, redact);
      for (const body of bodies) expect(structure(body).problems).toEqual([]);
      golden(name, bodies);
    });
  }

  it("a split comment reads well", () => {
    const long = Array.from(
      { length: 60 },
      (_, i) => `  # null_resource.n[${i}] will be created\n  + resource "null_resource" "n" {}\n`,
    ).join("");
    const data = input({
      results: [planned("net", mixedSummary, long), planned("app", summary(), "No changes.\n")],
    });
    const bodies = renderComments(data, redact, { maxLength: 2_000, maxComments: 3 });
    expect(bodies.length).toBe(3);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(2_000);
    golden("split", bodies);
  });

  it("redacts the values a plan marks sensitive everywhere, even if the caller did not register them", () => {
    const data = input({
      results: [planned("net", mixedSummary, `password = "hunter2-db-password"\n`)],
      notice: "note: hunter2-db-password",
    });
    const all = renderComments(data, createRedactor()).join("\n");
    expect(all).not.toContain("hunter2-db-password");
    expect(all).toContain(`password = "[redacted]"`);
  });

  it("golden plan output has no secrets and no escapes", () => {
    const bodies = renderComments(cases["failed-init"] as CommentInput, redact);
    expect(bodies.join("")).not.toContain("ghs_0123");
    expect(bodies.join("")).not.toContain("\x1b");
    expect(PLAN_OUTPUT).toContain("(sensitive value)");
  });
});
