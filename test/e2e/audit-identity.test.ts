import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditPayload } from "../../src/audit/audit-payload.js";
import { auditSinks } from "../../src/audit/audit-sinks.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { AuditEvent } from "../../src/store/console-store.js";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * The audit trail and notifications file a gate decision under the project's trusted identity.
 * They took the name the PR gave it: a PR that renamed `prod` applied prod under another name, so
 * the `acme/*:prod` notification never fired, an auditor's query on `project` never saw it, and
 * the detail (on the pull request's roads) did not even say which project it was.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

function gateEvents(repo: string, action = "gate-allowed"): AuditEvent[] {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT id, at, actor, action, repo, project, pr, detail FROM audit_events WHERE repo = ? AND action = ? ORDER BY id")
      .all(repo, action) as AuditEvent[];
  } finally {
    db.close();
  }
}

describe("a gate decision's audit event names the base branch's project", () => {
  it("prod renamed by the PR is audited and notified as prod; a new project keeps its own name", async () => {
    const prodState = join(h.stateDir, "audit-identity-prod.tfstate");
    const extraState = join(h.stateDir, "audit-identity-extra.tfstate");
    const scratchState = join(h.stateDir, "audit-identity-scratch.tfstate");
    const base = "version: 1\nprojects:\n  - name: prod\n    dir: prod\n";
    const renamed =
      "version: 1\nprojects:\n  - name: quiet\n    dir: prod\n  - name: extra\n    dir: extra\n  - name: prod\n    dir: scratch\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "audit-identity",
      files: { ".sluice.yaml": base, "prod/main.tf": statefulProject("prod", prodState, 0) },
    });
    await h.sim.pushBranch(repo, {
      branch: "rename",
      files: {
        ".sluice.yaml": renamed,
        "prod/main.tf": statefulProject("prod", prodState, 1),
        "extra/main.tf": statefulProject("extra", extraState, 1),
        "scratch/main.tf": statefulProject("scratch", scratchState, 1),
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "rename", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(await stateResources(prodState), reply).toEqual(["terraform_data.prod_0"]);
    expect(await stateResources(extraState), reply).toEqual(["terraform_data.extra_0"]);
    expect(await stateResources(scratchState), reply).toEqual(["terraform_data.scratch_0"]);

    const events = gateEvents(repo.fullName);
    const prod = events.find((e) => e.detail.includes("identity: acme/audit-identity:prod"));
    expect(prod, JSON.stringify(events)).toBeDefined();
    expect(prod?.project).toBe("prod");
    const notify = auditSinks(parseServerConfig('notifications: [{ match: "acme/*:prod", url: "https://hooks.example.test/x" }]\n'));
    expect(notify[0]?.accepts(auditPayload(prod as AuditEvent))).toBe(true);
    // Control: a project the base branch does not have is filed under its own name, and the prod
    // notification does not take it.
    const extra = events.find((e) => e.project === "extra");
    expect(extra, JSON.stringify(events)).toBeDefined();
    expect(extra?.detail).toContain("a new project");
    expect(notify[0]?.accepts(auditPayload(extra as AuditEvent))).toBe(false);
    // A new dir the PR names `prod` is not filed as prod either.
    const impostor = events.find((e) => e.detail.includes("dir `scratch`"));
    expect(impostor?.project).toBe("prod (new: dir scratch)");
    expect(notify[0]?.accepts(auditPayload(impostor as AuditEvent))).toBe(false);
    expect(events.map((e) => e.project).sort()).toEqual(["extra", "prod", "prod (new: dir scratch)"]);

    // A second PR renaming prod again waits for the first one's lock: the wait is prod's too.
    const again = "version: 1\nprojects:\n  - name: hushed\n    dir: prod\n";
    await h.sim.pushBranch(repo, {
      branch: "again",
      from: "main",
      files: { ".sluice.yaml": again, "prod/main.tf": statefulProject("prod", prodState, 2) },
    });
    const second = await h.sim.openPullRequest(repo, { head: "again", author: "alice" });
    await completed(h, repo, second.headSha, "sluice/plan");
    const waits = gateEvents(repo.fullName, "lock-wait");
    expect(waits.map((e) => [e.pr, e.project])).toEqual([[second.number, "prod"]]);
    expect(notify[0]?.accepts(auditPayload(waits[0] as AuditEvent))).toBe(true);
  });
});
