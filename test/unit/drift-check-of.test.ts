import { describe, expect, it } from "vitest";
import { driftCheckOf } from "../../src/drift/drift-check-of.js";
import type { ProjectDrift } from "../../src/drift/drift-result.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { Project } from "../../src/model/project.js";

const net: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
const at = "2026-03-04T05:06:07.000Z";
const same = (t: string) => t;
const summary = { hasChanges: true } as PlanSummary;
const drifted = (reconcile?: Extract<ProjectDrift, { status: "drifted" }>["reconcile"]): ProjectDrift => ({
  project: net,
  status: "drifted",
  resources: [],
  summary,
  output: "",
  planFile: "/tmp/p",
  planHash: "h",
  ...(reconcile ? { reconcile } : {}),
});

describe("driftCheckOf", () => {
  it("keeps the status, the reason and the drift issue of one project's check", () => {
    const issue = { number: 40, htmlUrl: "https://github.example/acme/infra/issues/40" };
    expect(driftCheckOf("acme/infra", drifted(), at, issue, same)).toEqual({
      repo: "acme/infra",
      project: "net",
      status: "drifted",
      reason: "",
      issue: 40,
      issueUrl: issue.htmlUrl,
      checkedAt: at,
    });
    expect(driftCheckOf("acme/infra", { project: net, status: "in-line" }, at, undefined, same)).toEqual({
      repo: "acme/infra",
      project: "net",
      status: "in-line",
      reason: "",
      checkedAt: at,
    });
    expect(
      driftCheckOf(
        "acme/infra",
        { project: net, status: "skipped", reason: "#3 applied, not merged yet", appliedBy: 3 },
        at,
        undefined,
        same,
      ),
    ).toMatchObject({
      status: "skipped",
      reason: "#3 applied, not merged yet",
    });
    expect(
      driftCheckOf("acme/infra", { project: net, status: "error", step: "init", message: "no backend", output: "" }, at, undefined, same),
    ).toMatchObject({
      status: "error",
      reason: "init: no backend",
    });
  });

  it("says reconciled when git's state was applied, and drifted with why when it was not", () => {
    expect(driftCheckOf("acme/infra", drifted({ done: true, outcome: "applied" }), at, undefined, same).status).toBe("reconciled");
    expect(driftCheckOf("acme/infra", drifted({ done: true, outcome: "failed", message: "boom" }), at, undefined, same)).toMatchObject({
      status: "drifted",
      reason: "reconciling failed: boom",
    });
    expect(
      driftCheckOf("acme/infra", drifted({ done: false, reason: "#7 holds the project's lock", heldBy: 7 }), at, undefined, same),
    ).toMatchObject({
      status: "drifted",
      reason: "not reconciled: #7 holds the project's lock",
    });
  });

  it("attack: keeps why redacted with the run's secrets (the console and the API show it to every reader)", () => {
    const redact = (t: string) => t.replaceAll("s3cr3t-backend-token", "***");
    const failed = drifted({
      done: true,
      outcome: "failed",
      message: "`terraform state pull` failed: GET https://state.example/x?token=s3cr3t-backend-token: 503",
    });
    expect(driftCheckOf("acme/infra", failed, at, undefined, redact).reason).toBe(
      "reconciling failed: `terraform state pull` failed: GET https://state.example/x?token=***: 503",
    );
    const error = { project: net, status: "error" as const, step: "plan", message: "bad value s3cr3t-backend-token", output: "" };
    expect(driftCheckOf("acme/infra", error, at, undefined, redact).reason).toBe("plan: bad value ***");
  });
});
