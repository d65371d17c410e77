import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/util/redact.js";
import { MAX_CHECK_SUMMARY, renderCheck } from "../../src/render/render-check.js";
import { input, mixedSummary, planned, project, summary } from "../golden/fixtures.js";

describe("renderCheck", () => {
  it("counts changes across projects in the title and summary", () => {
    const check = renderCheck(input({ results: [planned("net", mixedSummary), planned("app", summary({ add: 1, hasChanges: true }))] }));
    expect(check).toMatchObject({ title: "+3 ~1 -2 in 2 projects", conclusion: "success" });
    expect(check.summary).toContain("**+3 ~1 -2** in 2 projects");
    expect(check.summary).toContain("- **`net`** (`envs/net`, workspace `default`): `+2 ~1 -2`");
  });

  it.each([
    ["no changes", input({ results: [planned("net", summary())] }), "No changes in 1 project", "success"],
    [
      "a failure",
      input({
        results: [
          planned("net", mixedSummary),
          { project: project("dns"), status: "error", failedStep: "init", message: "exit 1", output: "" },
        ],
      }),
      "1 of 2 projects failed: dns",
      "failure",
    ],
    [
      "a refusal",
      input({ results: [{ project: project("net"), status: "refused", reason: "locked by #12", output: "" }] }),
      "1 of 1 project refused: net",
      "failure",
    ],
    ["queued", input({ state: "queued" }), "Queued", "neutral"],
    ["running", input({ state: "running", pending: ["a", "b"] }), "Running: 2 projects pending", "neutral"],
    [
      "nothing to plan",
      input({ notice: "No Terraform project changed in this PR." }),
      "No Terraform project changed in this PR.",
      "neutral",
    ],
    [
      "an apply",
      input({ command: "apply", results: [{ project: project("net"), status: "applied", summary: mixedSummary, output: "" }] }),
      "Applied +2 ~1 -2",
      "success",
    ],
  ] as const)("%s", (_name, data, title, conclusion) => {
    const check = renderCheck(data);
    expect(check.title).toBe(title);
    expect(check.conclusion).toBe(conclusion);
  });

  it("a failed project's counts are never zeros: the summary counts planned projects only and names the failed ones", () => {
    const failedOnly = renderCheck(
      input({ results: [{ project: project("dns"), status: "error", failedStep: "template (head)", message: "x", output: "" }] }),
    );
    expect(failedOnly.summary).not.toContain("+0 ~0 -0");
    expect(failedOnly.summary).toContain("**1 failed**: `dns` (at `template (head)`)");
    const mixed = renderCheck(
      input({
        results: [planned("net", mixedSummary), { project: project("dns"), status: "error", failedStep: "init", message: "x", output: "" }],
      }),
    );
    expect(mixed.summary).toContain("**+2 ~1 -2** in 1 of 2 projects; **1 failed**: `dns` (at `init`)");
  });

  it("lists every project while they fit, and says how many did not", () => {
    const results = Array.from({ length: 2_000 }, (_, i) => planned(`project-with-a-long-name-${i}`, mixedSummary));
    const check = renderCheck(input({ results }));
    expect(check.summary.length).toBeLessThanOrEqual(MAX_CHECK_SUMMARY);
    expect(check.summary).toContain("project-with-a-long-name-0");
    expect(check.summary).toMatch(/… and \d+ more projects\.$/);
  });

  it("redacts names, reasons and sensitive values, with or without a redactor", () => {
    const token = `ghs_${"x".repeat(36)}`;
    const data = input({
      results: [
        { project: project(`net-${token}`), status: "refused", reason: "token hunter2-hunter2 leaked", output: "" },
        planned("app", { ...mixedSummary, resources: [{ address: "x.hunter2-db-password", action: "create" }] }),
      ],
    });
    expect(JSON.stringify(renderCheck(data))).not.toContain(token);
    const check = renderCheck(data, createRedactor({ secrets: ["hunter2-hunter2"] }));
    expect(JSON.stringify(check)).not.toMatch(/hunter2|ghs_x/);
  });
});
