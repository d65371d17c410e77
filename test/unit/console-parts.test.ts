import { describe, expect, it } from "vitest";
import { auditRows, toCsv } from "../../src/console/audit-rows.js";
import { safeReturnPath } from "../../src/console/return-path.js";
import { originRefusal } from "../../src/console/console-forms.js";
import { createMetrics } from "../../src/console/metrics.js";
import { renderPage } from "../../src/console/console-templates.js";
import { overviewRows, projectStatus } from "../../src/console/overview-rows.js";
import type { DriftCheck } from "../../src/model/drift.js";
import type { Permission } from "../../src/model/pull-request.js";
import type { LiveApply } from "../../src/store/store.js";
import type { ApplyView, LockView, PlanRun, ProjectActivity } from "../../src/store/console-store.js";
import { fitLogChunk } from "../../src/store/fit-log-chunk.js";

const run = (over: Partial<PlanRun> = {}): PlanRun => ({ jobId: 1, pr: 1, jobStatus: "done", at: "2026-01-01T00:00:00.000Z", ...over });
const apply = (over: Partial<ApplyView> = {}): ApplyView => ({
  id: 1,
  jobId: 2,
  repo: "acme/infra",
  pr: 1,
  project: "net",
  planId: 1,
  status: "succeeded",
  startedAt: "2026-01-01T01:00:00.000Z",
  finishedAt: "2026-01-01T01:01:00.000Z",
  actor: "alice",
  ...over,
});

describe("projectStatus", () => {
  it.each([
    ["a queued plan", { lastPlan: run({ jobStatus: "queued" }) }, "running"],
    ["a running plan", { lastPlan: run({ jobStatus: "running" }) }, "running"],
    ["an apply in progress", { lastApply: apply({ status: "started", finishedAt: undefined }) }, "running"],
    ["a saved plan waiting to apply", { lastPlan: run({ planStatus: "pending" }) }, "pending"],
    ["a plan run that saved nothing", { lastPlan: run() }, "failed"],
    ["an apply after the plan, succeeded", { lastPlan: run({ planStatus: "applied" }), lastApply: apply() }, "applied"],
    ["an apply after the plan, failed", { lastPlan: run({ planStatus: "applied" }), lastApply: apply({ status: "failed" }) }, "failed"],
    ["an interrupted apply", { lastApply: apply({ status: "interrupted" }) }, "failed"],
    [
      "a newer plan after an apply",
      { lastPlan: run({ planStatus: "pending", at: "2026-02-01T00:00:00.000Z" }), lastApply: apply() },
      "pending",
    ],
    ["nothing", {}, "idle"],
  ] as const)("%s → %s", (_, input, expected) => {
    expect(projectStatus(input)).toBe(expected);
  });
});

describe("overviewRows", () => {
  const activity: ProjectActivity[] = [
    { repo: "acme/infra", project: "net", lastPlan: run({ planStatus: "pending" }) },
    { repo: "acme/infra", project: "app", lastPlan: run() },
    { repo: "acme/secret", project: "vault", lastPlan: run({ planStatus: "pending" }) },
  ];
  const locks: LockView[] = [
    { repo: "acme/infra", dir: "net", workspace: "default", project: "net", scope: "", pr: 1, createdAt: "x", waiting: [2] },
    { repo: "acme/infra", dir: "db", workspace: "default", project: "db", scope: "", pr: 3, createdAt: "x", waiting: [] },
    { repo: "acme/secret", dir: "vault", workspace: "default", project: "vault", scope: "", pr: 9, createdAt: "x", waiting: [] },
  ];
  const access = new Map<string, Permission>([
    ["acme/infra", "read"],
    ["acme/secret", "none"],
  ]);

  it("lists only repos the user can read, with lock-only projects, and write flags", () => {
    const rows = overviewRows(activity, locks, access, {});
    expect(rows.map((r) => [r.repo, r.project, r.status, r.lock?.pr, r.canWrite])).toEqual([
      ["acme/infra", "app", "failed", undefined, false],
      ["acme/infra", "db", "idle", 3, false],
      ["acme/infra", "net", "pending", 1, false],
    ]);
    expect(overviewRows(activity, locks, new Map([["acme/infra", "maintain" as Permission]]), {}).every((r) => r.canWrite)).toBe(true);
    expect(overviewRows(activity, locks, new Map(), {})).toEqual([]);
  });

  it("filters by repo, status, lock and name (case-insensitive)", () => {
    const names = (f: Parameters<typeof overviewRows>[3]) => overviewRows(activity, locks, access, f).map((r) => r.project);
    expect(names({ status: "failed" })).toEqual(["app"]);
    expect(names({ status: "locked" })).toEqual(["db", "net"]);
    expect(names({ q: "NE" })).toEqual(["net"]);
    expect(names({ repo: "ACME/infra", status: "pending" })).toEqual(["net"]);
    expect(names({ repo: "acme/secret" })).toEqual([]);
  });

  const at = "2026-03-04T05:06:07.000Z";
  const check = (repo: string, project: string, status: DriftCheck["status"], over: Partial<DriftCheck> = {}): DriftCheck => ({
    repo,
    project,
    status,
    reason: "",
    checkedAt: at,
    ...over,
  });
  const live = (repo: string, project: string, over: Partial<LiveApply>): LiveApply => ({
    id: 1,
    repo,
    project,
    dir: project,
    workspace: "default",
    commitSha: "c".repeat(40),
    source: "pr",
    number: 1,
    actor: "alice",
    approvers: [],
    planHash: "h",
    outcome: "succeeded",
    startedAt: at,
    finishedAt: at,
    ...over,
  });
  const drift = {
    checks: [
      check("acme/infra", "net", "drifted", { issue: 40, issueUrl: "https://github.example/acme/infra/issues/40" }),
      check("acme/infra", "dns", "in-line"),
      check("acme/secret", "vault", "drifted", { issue: 41 }),
    ],
    pauses: [
      { repo: "acme/infra", project: "net", actor: "alice", reason: "migration", createdAt: at },
      { repo: "acme/secret", project: "vault", actor: "bob", reason: "hidden", createdAt: at },
    ],
    // Newest first, as the store returns them: the failed reconcile is not what runs.
    live: [
      live("acme/infra", "dns", { id: 3, source: "reconcile", number: 0, actor: "sluice", outcome: "failed" }),
      live("acme/infra", "dns", { id: 2, source: "drift-issue", number: 40 }),
      live("acme/infra", "dns", { id: 1, source: "pr", number: 5 }),
      live("acme/secret", "vault", { id: 4, source: "reconcile" }),
    ],
  };

  it("shows each readable project's last drift check, pause and live record, and filters drifted ones", () => {
    const rows = overviewRows(activity, locks, access, {}, drift);
    expect(
      rows.map((r) => [
        r.project,
        r.status,
        r.drift?.status,
        r.drift?.issue,
        r.driftPause?.reason,
        r.liveRecord?.source,
        r.liveRecord?.number,
      ]),
    ).toEqual([
      ["app", "failed", undefined, undefined, undefined, undefined, undefined],
      ["db", "idle", undefined, undefined, undefined, undefined, undefined],
      // Known only from pull mode: its drift check, and applied through a drift issue.
      ["dns", "applied", "in-line", undefined, undefined, "drift-issue", 40],
      ["net", "pending", "drifted", 40, "migration", undefined, undefined],
    ]);
    const names = (f: Parameters<typeof overviewRows>[3]) => overviewRows(activity, locks, access, f, drift).map((r) => r.project);
    expect(names({ status: "drifted" })).toEqual(["net"]);
    expect(names({ status: "applied" })).toEqual(["dns"]);
    // A repo the user cannot read shows none of its drift state.
    expect(overviewRows(activity, locks, new Map([["acme/secret", "none" as Permission]]), {}, drift)).toEqual([]);
  });

  it("renders the drift cell and a pull-mode live apply, with no inline script or style", () => {
    const rows = overviewRows(activity, locks, access, {}, drift);
    const html = renderPage("overview", { title: "Overview" }, { rows, statuses: ["drifted"], filter: {}, web: "https://github.example" });
    const cell = (project: string) => html.split("<tr>").find((r) => r.includes(`<span class="name">${project}</span>`)) ?? "";
    expect(cell("net")).toContain(
      '<span class="status d-drifted">drifted</span> <a href="https://github.example/acme/infra/issues/40">#40</a>, checked <time',
    );
    expect(cell("net")).toContain('<span class="paused">paused: migration</span> <span class="note">by alice</span>');
    expect(cell("dns")).toContain('from drift issue <a href="https://github.example/acme/infra/issues/40">#40</a> by alice');
    expect(cell("app")).toContain('<span class="none">not checked</span>');
    expect(html).toContain('<option value="drifted"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|<style/);
  });
});

describe("audit rows and CSV", () => {
  const events = [
    { id: 1, at: "2026-01-01T03:00:00.000Z", actor: "root", action: "pause", detail: '=HYPERLINK("http://evil")', pr: undefined },
    { id: 2, at: "2026-01-01T02:00:00.000Z", actor: "bob", action: "unlock", repo: "acme/secret", project: "vault", pr: 4, detail: "x" },
  ];
  const readable = { readable: (repo: string) => repo === "acme/infra", admin: false };

  it("merges applies and events newest first, hiding repos the user cannot read", () => {
    const rows = auditRows([apply({ headSha: "abcdef1234" })], events, readable, {});
    expect(rows.map((r) => [r.action, r.actor, r.repo, r.detail])).toEqual([
      ["pause", "root", "", '=HYPERLINK("http://evil")'],
      ["apply", "alice", "acme/infra", "succeeded (commit abcdef1)"],
    ]);
    expect(auditRows([apply()], events, readable, { action: "apply", actor: "ALICE" })).toHaveLength(1);
    expect(auditRows([apply()], events, readable, { repo: "acme/infra" }).map((r) => r.action)).toEqual(["apply"]);
  });

  it("shows an admin's own events of no repository (API tokens, redeliveries) to admins only; a global pause to everyone", () => {
    const tokenEvents = [
      ...events,
      {
        id: 3,
        at: "2026-01-01T04:00:00.000Z",
        actor: "root",
        action: "api-token-issue",
        detail: "token 3 ci-payments: scopes operate; repos acme/secret-payments",
        pr: undefined,
      },
      { id: 4, at: "2026-01-01T05:00:00.000Z", actor: "root", action: "audit-redeliver", detail: "event 9 to siem", pr: undefined },
    ];
    const shown = (admin: boolean) => auditRows([], tokenEvents, { ...readable, admin }, {}).map((r) => r.action);
    expect(shown(false)).toEqual(["pause"]);
    // Control: an admin sees them, and still no repository the admin cannot read.
    expect(shown(true)).toEqual(["audit-redeliver", "api-token-issue", "pause"]);
  });

  it("writes RFC 4180 CSV that a spreadsheet never evaluates", () => {
    const csv = toCsv(auditRows([apply({ project: 'a,"b"' })], events, readable, {}));
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("at,actor,action,repo,project,pr,detail");
    expect(lines[1]).toBe(`2026-01-01T03:00:00.000Z,root,pause,,,,"'=HYPERLINK(""http://evil"")"`);
    expect(lines[2]).toBe('2026-01-01T01:01:00.000Z,alice,apply,acme/infra,"a,""b""",1,succeeded');
    expect(lines[3]).toBe("");
  });
});

describe("small console parts", () => {
  it("cuts a job log at the cap on a character boundary", () => {
    expect(fitLogChunk(0, "abc", 10)).toEqual({ text: "abc", full: false });
    expect(fitLogChunk(8, "abc", 10)).toEqual({ text: "ab", full: true });
    expect(fitLogChunk(7, "ééé", 10)).toEqual({ text: "é", full: true });
    expect(fitLogChunk(10, "a", 10)).toEqual({ text: "", full: true });
  });

  it("returns after sign-in only to the console's own pages, parsing the path as a browser does", () => {
    const origin = "https://sluice.example.com";
    const kept: [string, string][] = [
      ["/", "/"],
      ["/jobs/3?x=1", "/jobs/3?x=1"],
      ["/locks", "/locks"],
      ["/locks/unlock?repo=acme%2Finfra&pr=3", "/locks/unlock?repo=acme%2Finfra&pr=3"],
      ["/audit?repo=acme/infra", "/audit?repo=acme/infra"],
      ["https://sluice.example.com/jobs/9", "/jobs/9"],
      ["/./jobs/4", "/jobs/4"],
      ["/jobs/5#log", "/jobs/5"],
    ];
    for (const [given, back] of kept) expect([given, safeReturnPath(given, origin)]).toEqual([given, back]);
    const hostile = [
      null,
      "",
      "jobs",
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example/x",
      "/\n/evil.example/x",
      "\t//evil.example",
      " //evil.example",
      "/\r\n/evil.example",
      "/%09/evil.example",
      "/%2F/evil.example",
      "/%5Cevil.example",
      "/.//evil.example",
      "/jobs/../\\evil.example",
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "http://sluice.example.com/jobs/3",
      "https://user:pw@sluice.example.com/jobs/3",
      "https://sluice.example.com.evil.example/jobs/3",
      "https:evil.example",
      "/api/github/webhooks",
      "/login",
      "/logout",
      "/metrics",
      "/jobs/3/events",
      "/jobs/x",
      `/jobs/${"1".repeat(600)}`,
    ];
    for (const bad of hostile) expect([bad, safeReturnPath(bad, origin)]).toEqual([bad, "/"]);
  });

  it("marks a lock whose project is held over a state terraform could not save", () => {
    const lock = (project: string, held: boolean) => ({
      repo: "acme/infra",
      project,
      dir: project,
      workspace: "default",
      pr: 3,
      createdAt: "2026-03-04T05:06:07.000Z",
      waiting: [],
      canWrite: false,
      held,
    });
    const html = renderPage("locks", { title: "Locks" }, { locks: [lock("net", true), lock("app", false)], web: "https://github.example" });
    const row = (project: string) => html.split("<tr>").find((r) => r.includes(`<span class="name">${project}</span>`)) ?? "";
    expect(row("net")).toContain("held: unsaved state");
    expect(row("app")).not.toContain("held");
  });

  it("names every metric sluice_* and reads the store's gauges at scrape time", async () => {
    const check = (project: string, status: DriftCheck["status"]): DriftCheck => ({
      repo: "acme/infra",
      project,
      status,
      reason: "",
      checkedAt: "2026-03-04T05:06:07.000Z",
    });
    const metrics = createMetrics({
      stats: async () => ({
        queuedJobs: 3,
        runningJobs: 1,
        locks: 7,
        reconciled: { "pr-closed": 2, "head-moved": 4, "check-orphaned": 1 },
      }),
      driftChecks: async () => [
        check("a", "drifted"),
        check("b", "in-line"),
        check("c", "drifted"),
        check("d", "reconciled"),
        check("e", "skipped"),
      ],
    });
    metrics.webhookReceived("pull_request");
    metrics.webhookRejected("signature");
    metrics.jobFinished("plan", "done", 0.7);
    metrics.jobFinished("apply", "failed", 3);
    metrics.jobThreadHeap(25_000_000, 31_000_000);
    const text = await metrics.registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((n) => !n.startsWith("sluice_"))).toEqual([]);
    expect(text).toContain('sluice_webhooks_received_total{event="pull_request"} 1');
    expect(text).toContain('sluice_webhooks_rejected_total{reason="signature"} 1');
    expect(text).toContain('sluice_jobs_total{kind="plan",outcome="done"} 1');
    expect(text).toContain('sluice_jobs_total{kind="apply",outcome="failed"} 1');
    expect(text).toContain('sluice_job_duration_seconds_bucket{le="1",kind="plan"} 1');
    expect(text).toContain('sluice_job_duration_seconds_bucket{le="2",kind="apply"} 0');
    expect(text).toContain("sluice_queue_depth 3");
    expect(text).toContain("sluice_jobs_running 1");
    expect(text).toContain("sluice_locks_held 7");
    expect(text).toContain(`sluice_reconciled_total{kind="pr-closed"} 2`);
    expect(text).toContain(`sluice_reconciled_total{kind="head-moved"} 4`);
    expect(text).toContain(`sluice_reconciled_total{kind="check-orphaned"} 1`);
    expect(text).toContain("sluice_projects_drifted 2");
    expect(text).toContain("sluice_job_thread_heap_used_bytes 25000000");
    expect(text).toContain("sluice_job_thread_heap_size_bytes 31000000");
  });
});

describe("a form's origin refused", () => {
  it("behind a proxy ending TLS, with no public address set, says which setting fixes it", () => {
    expect(originRefusal("https://sluice.acme.test", "sluice.acme.test", undefined)).toBe(
      "the form came from https://sluice.acme.test, but the console takes itself for http://sluice.acme.test: set SLUICE_PUBLIC_URL=https://sluice.acme.test (the address users open, as a proxy ending TLS serves it)",
    );
  });

  it("control: another site's form, or one with the public address set, is refused as cross-site, with no hint to follow", () => {
    expect(originRefusal("https://evil.example", "sluice.acme.test", undefined)).toBe("cross-site request refused");
    expect(originRefusal("https://sluice.acme.test", "sluice.acme.test", "https://console.acme.test")).toBe("cross-site request refused");
  });
});
