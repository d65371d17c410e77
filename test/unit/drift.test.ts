import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { testDir } from "../support/temp-dir.js";
import { describe, expect, it, vi } from "vitest";
import type { PlanOutcome, PlanRequest } from "../../runners/runner.js";
import { detailsRedactor, resourceDetails } from "../../runners/terraform/resource-details.js";
import { parsePlanJson } from "../../runners/terraform/parse-plan-json.js";
import { parseComment } from "../../src/command/parse-comment.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";
import { classifyDrift, destroysSomething, liveDrift } from "../../src/drift/classify-drift.js";
import { cronProblem, nextRunAfter } from "../../src/util/cron.js";
import type { DriftRun } from "../../src/drift/drift-result.js";
import { planDefaultHead } from "../../src/drift/plan-default-head.js";
import { projectOfIssue, renderDriftCheck, renderDriftIssue } from "../../src/drift/render-drift.js";
import { printMarker } from "../../src/render/comment-body.js";
import { schedulesOf } from "../../src/drift/schedules-of.js";
import { startDriftScheduler } from "../../src/drift/drift-scheduler.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { eventToJob } from "../../src/ingress/event-to-job.js";
import type { JobDeps } from "../../src/job-context/job-deps.js";
import { secretsFor } from "../../src/job-context/secrets.js";
import type { Job } from "../../src/model/job.js";
import type { PlanSummary } from "../../src/model/plan-summary.js";
import type { Project } from "../../src/model/project.js";
import { createRedactor } from "../../src/util/redact.js";

const net: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
const summary = (over: Partial<PlanSummary> = {}): PlanSummary => ({
  add: 0,
  change: 1,
  destroy: 0,
  replace: 0,
  move: 0,
  import: 0,
  forget: 0,
  resources: [{ address: "terraform_data.a", action: "update" }],
  moves: [],
  outputs: [],
  hasChanges: true,
  sensitiveValues: [],
  ...over,
});

describe("/drift commands", () => {
  it.each([
    ["/drift", { kind: "drift", action: "check", filter: {} }],
    ["/drift -p net", { kind: "drift", action: "check", filter: { project: "net" } }],
    ["sluice drift -d envs/prod -w staging", { kind: "drift", action: "check", filter: { dir: "envs/prod", workspace: "staging" } }],
    [
      "/drift pause -p net -- db migration until Friday",
      { kind: "drift", action: "pause", filter: { project: "net" }, reason: "db migration until Friday" },
    ],
    ["/drift resume -p net", { kind: "drift", action: "resume", filter: { project: "net" } }],
  ])("%s", (line, command) => {
    expect(parseComment(line)).toEqual({ type: "command", command });
  });

  it.each([
    ["/drift pause -p net", "needs a reason"],
    ["/drift pause -- why", "needs the project"],
    ["/drift resume", "needs the project"],
    ["/drift -p net -- -destroy", "does not take extra arguments"],
    ["/drift now", "unexpected argument"],
  ])("%s is refused with a reason", (line, reason) => {
    const r = parseComment(line);
    expect(r.type).toBe("invalid");
    expect(r.type === "invalid" && r.reason).toContain(reason);
  });
});

describe("ingress for pull mode", () => {
  const repository = {
    owner: { login: "acme", name: "acme" },
    name: "infra",
    clone_url: "https://x/acme/infra.git",
    default_branch: "main",
  };
  const base = { installation: { id: 9 }, repository, sender: { login: "alice" } };
  const settings = { autoplanDrafts: false };

  it("a push to the default branch refreshes the schedules; other branches are ignored", () => {
    expect(eventToJob("push", { ...base, ref: "refs/heads/main", after: "a".repeat(40) }, settings)).toEqual({
      job: {
        target: {
          installationId: 9,
          repo: { owner: "acme", name: "infra" },
          cloneUrl: repository.clone_url,
          pr: 0,
          payloadHeadSha: "a".repeat(40),
        },
        spec: { kind: "drift-schedule-sync", actor: "alice" },
      },
    });
    expect(eventToJob("push", { ...base, ref: "refs/heads/feature" }, settings)).toEqual({
      ignore: "push to a branch other than the default branch",
    });
    expect(eventToJob("push", { ...base, ref: "refs/heads/main", deleted: true }, settings)).toEqual({
      ignore: "the default branch was deleted",
    });
  });

  const comment = (body: string, labels: string[] = [], user = { login: "alice", type: "User" }) => ({
    ...base,
    action: "created",
    issue: { number: 12, labels: labels.map((name) => ({ name })) },
    comment: { id: 77, body, user },
  });

  it("plain issues: /drift anywhere, /apply only on drift issues, nothing else", () => {
    expect(eventToJob("issue_comment", comment("/drift -p net"), settings)).toMatchObject({
      job: {
        target: { pr: 12 },
        spec: {
          kind: "drift-check",
          trigger: "comment",
          filter: { project: "net" },
          commentId: 77,
          actor: "alice",
        },
      },
    });
    expect(eventToJob("issue_comment", comment("/apply", ["sluice:drift"]), settings)).toMatchObject({
      job: { target: { pr: 12 }, spec: { kind: "drift-apply", commentId: 77, actor: "alice" } },
    });
    expect(eventToJob("issue_comment", comment("/apply"), settings)).toEqual({ ignore: "comment on an issue, not a pull request" });
    expect(eventToJob("issue_comment", comment("/plan", ["sluice:drift"]), settings)).toEqual({
      ignore: "comment on an issue, not a pull request",
    });
    expect(eventToJob("issue_comment", comment("/apply", ["sluice:drift"], { login: "sluice[bot]", type: "Bot" }), settings)).toEqual({
      ignore: "comment by a bot",
    });
    // A malformed command that is clearly ours gets a reply; anyone else's slash command is left alone.
    expect(eventToJob("issue_comment", comment("/drift pause -p net"), settings)).toMatchObject({
      job: { spec: { kind: "reply", body: "invalid", reason: expect.stringContaining("needs a reason"), commentId: 77 } },
    });
    expect(eventToJob("issue_comment", comment("/apply -x", ["sluice:drift"]), settings)).toMatchObject({
      job: { spec: { kind: "reply", body: "invalid" } },
    });
    expect(eventToJob("issue_comment", comment("/apply -x"), settings)).toEqual({ ignore: "comment on an issue, not a pull request" });
    expect(eventToJob("issue_comment", comment("/deploy now"), settings)).toEqual({ ignore: "comment on an issue, not a pull request" });
  });

  it("a state command on a drift issue (where Sluice says to push a kept state) is answered with where it runs, never ignored", () => {
    for (const body of ["/state push-errored -p net", "sluice state push-errored -p net", "/state rm terraform_data.x", "/import a.b id"])
      expect(eventToJob("issue_comment", comment(body, ["sluice:drift"]), settings)).toMatchObject({
        job: {
          target: { pr: 12 },
          spec: {
            kind: "reply",
            body: "invalid",
            reason: expect.stringContaining("on an open pull request"),
            commentId: 77,
            actor: "alice",
          },
        },
      });
    // Control: on any other issue it is another bot's business, as before.
    expect(eventToJob("issue_comment", comment("/state push-errored -p net"), settings)).toEqual({
      ignore: "comment on an issue, not a pull request",
    });
  });
});

describe("drift settings", () => {
  it("cron: 5 fields, or 6 with seconds first; anything else is refused by name", () => {
    expect(cronProblem("*/5 * * * *")).toBeUndefined();
    expect(cronProblem("*/5 * * * * *")).toBeUndefined();
    expect(cronProblem("* * * *")).toContain("5 fields");
    expect(cronProblem("0 0 1 1 * 2030 x")).toContain("5 fields");
    expect(cronProblem("61 * * * *")).toContain("not a valid cron expression");
    expect(nextRunAfter("0 * * * *", Date.parse("2026-01-01T10:20:00Z"))).toBe(Date.parse("2026-01-01T11:00:00Z"));
    expect(nextRunAfter("*/10 * * * * *", Date.parse("2026-01-01T10:20:00Z"))).toBe(Date.parse("2026-01-01T10:20:10Z"));
  });

  it("the server config refuses a bad schedule with the key", () => {
    expect(() => parseServerConfig('drift:\n  schedule: "every hour"\n')).toThrow(ConfigError);
    expect(() => parseServerConfig('drift:\n  schedule: "every hour"\n')).toThrow(/drift\.schedule: must be a cron expression.*line 2/);
    expect(parseServerConfig("").drift).toEqual({ on_drift: "report", allow_destroy: false });
  });

  const repo = (yaml: string) => {
    const r = loadRepoConfig({ sluice: yaml });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
  };
  const trusted = repo(
    'version: 1\ndrift:\n  schedule: "0 * * * *"\n  on_drift: apply\nprojects:\n  - dir: net\n    drift:\n      allow_destroy: true\n  - dir: app\n',
  );
  const server = 'drift:\n  schedule: "*/5 * * * *"\n';

  it("repo settings count only when the server allows drift overrides; per project over top level", () => {
    const closed = repoSettings(parseServerConfig(server), "acme/infra", trusted);
    expect(closed.driftFor({ name: "net", dir: "net", workspace: "default" })).toEqual({
      schedule: "*/5 * * * *",
      onDrift: "report",
      allowDestroy: false,
    });
    const open = repoSettings(parseServerConfig(`${server}allowed_overrides: [drift]\n`), "acme/infra", trusted);
    expect(open.driftFor({ name: "net", dir: "net", workspace: "default" })).toEqual({
      schedule: "0 * * * *",
      onDrift: "apply",
      allowDestroy: true,
    });
    expect(open.driftFor({ name: "app", dir: "app", workspace: "default" })).toEqual({
      schedule: "0 * * * *",
      onDrift: "apply",
      allowDestroy: false,
    });
    // Found by dir and workspace, never by name: another dir's project called `net` (autodiscovery
    // names projects after their dirs) gets the top level only, not `net`'s `allow_destroy`.
    expect(open.driftFor({ name: "net", dir: "sandbox/net", workspace: "default" })).toEqual({
      schedule: "0 * * * *",
      onDrift: "apply",
      allowDestroy: false,
    });
  });

  it("a bad schedule in .sluice.yaml is an error with its key", () => {
    const r = loadRepoConfig({ sluice: "version: 1\ndrift:\n  schedule: '* *'\n" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.join("\n")).toMatch(/drift\.schedule/);
  });

  it("projects sharing a cron are one schedule; unscheduled projects are not scheduled", () => {
    const projects = ["a", "b", "c"].map((name) => ({ ...net, name, dir: name }));
    const cron = (p: Project) => (p.name === "c" ? undefined : p.name === "a" ? "0 * * * *" : "*/5 * * * *");
    expect(schedulesOf(projects, cron, Date.parse("2026-01-01T10:01:00Z"))).toEqual([
      { cron: "*/5 * * * *", projects: ["b"], nextRunAt: Date.parse("2026-01-01T10:05:00Z") },
      { cron: "0 * * * *", projects: ["a"], nextRunAt: Date.parse("2026-01-01T11:00:00Z") },
    ]);
  });
});

describe("classifying drift from the plan JSON", () => {
  const plan = parsePlanJson({
    format_version: "1.2",
    planned_values: {},
    resource_drift: [
      { address: "terraform_data.edited", change: { actions: ["update"], before: { input: "git" }, after: { input: "by hand" } } },
      { address: "terraform_data.ignored", change: { actions: ["update"], before: { tags: "a" }, after: { tags: "b" } } },
    ],
    resource_changes: [
      {
        address: "terraform_data.edited",
        change: {
          actions: ["update"],
          before: { input: "by hand", output: "by hand" },
          after: { input: "git" },
          after_unknown: { output: true },
        },
      },
      {
        address: "terraform_data.secret",
        change: {
          actions: ["update"],
          before: { input: "old-s3cret", id: "1" },
          after: { input: "new-s3cret", id: "1" },
          before_sensitive: { input: true },
          after_sensitive: { input: true },
        },
      },
      { address: "terraform_data.new", change: { actions: ["create"], before: null, after: { input: "x" } } },
      { address: "terraform_data.same", change: { actions: ["no-op"], before: { input: "x" }, after: { input: "x" } } },
    ],
  });
  if (!plan.ok) throw new Error(plan.error);
  const details = resourceDetails(plan.plan, (t) => t);

  it("names every changed attribute before → after, masks sensitive ones, keeps drift the config ignores", () => {
    expect(details).toEqual([
      {
        address: "terraform_data.edited",
        drifted: true,
        attributes: [
          { name: "input", before: '"by hand"', after: '"git"' },
          { name: "output", before: '"by hand"', after: "(known after apply)" },
        ],
      },
      { address: "terraform_data.secret", drifted: false, attributes: [{ name: "input", before: "(sensitive)", after: "(sensitive)" }] },
      { address: "terraform_data.new", drifted: false, attributes: [{ name: "input", before: "null", after: '"x"' }] },
      { address: "terraform_data.ignored", drifted: true, attributes: [{ name: "tags", before: '"a"', after: '"b"' }] },
    ]);
    expect(JSON.stringify(details)).not.toContain("s3cret");
  });

  it("redacts a value whole before it is shortened: a cut value can hold a secret's first characters", () => {
    const token = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    // terraform_data's `output` echoes its input unmarked: a secret the job knows, past the cut.
    const value = (v: string) => ({ output: { a: v.repeat(90), t: token } });
    const long = parsePlanJson({
      format_version: "1.2",
      resource_changes: [{ address: "terraform_data.echo", change: { actions: ["update"], before: value("x"), after: value("y") } }],
    });
    if (!long.ok) throw new Error(long.error);
    const redacted = JSON.stringify(resourceDetails(long.plan, detailsRedactor(createRedactor({ secrets: [token] }), [])));
    expect(redacted).not.toContain(token.slice(0, 12));
    // Control: the value is long enough to be cut right inside the token when cut first.
    const shown = JSON.stringify(resourceDetails(long.plan, (t) => t));
    expect(shown).toContain(token.slice(0, 12));
    expect(shown).not.toContain(token);
  });

  it("outside git when refreshed as drifted, or when git did not change the project since its last apply", () => {
    const s = summary({
      details,
      resources: [
        { address: "terraform_data.edited", action: "update" },
        { address: "terraform_data.new", action: "create" },
      ],
    });
    const causes = (changed: boolean | undefined) => Object.fromEntries(classifyDrift(s, changed).map((r) => [r.address, r.cause]));
    expect(causes(true)).toMatchObject({ "terraform_data.edited": "outside", "terraform_data.new": "git" });
    expect(causes(undefined)).toMatchObject({ "terraform_data.edited": "outside", "terraform_data.new": "git" });
    expect(causes(false)).toMatchObject({ "terraform_data.edited": "outside", "terraform_data.new": "outside" });
    expect(destroysSomething(s)).toBe(false);
    expect(destroysSomething(summary({ resources: [{ address: "a", action: "replace" }] }))).toBe(true);
    expect(destroysSomething(summary({ destroy: 1 }))).toBe(true);
  });
});

describe("drift reports", () => {
  const drifted = {
    project: net,
    status: "drifted" as const,
    resources: [
      {
        address: "terraform_data.a",
        action: "update",
        cause: "outside" as const,
        attributes: [{ name: "input", before: '"hunter2"', after: '"git"' }],
      },
    ],
    summary: summary(),
    output: "plan output",
    planFile: "/x/plan-1.tfplan",
    planHash: "f".repeat(64),
  };
  const run = (results: DriftRun["results"]): DriftRun => ({
    repo: "acme/infra",
    branch: "main",
    sha: "a".repeat(40),
    results,
    at: "2026-01-01T00:00:00Z",
  });
  const redact = createRedactor({ secrets: ["hunter2"] });

  it("check conclusion: failure on drift or error, neutral when skipped or empty, success when in line", () => {
    const c = (results: DriftRun["results"]) => renderDriftCheck(run(results), redact, () => undefined).conclusion;
    expect(c([drifted])).toBe("failure");
    expect(c([{ project: net, status: "error", step: "init", message: "x", output: "" }])).toBe("failure");
    expect(c([{ project: net, status: "skipped", reason: "no kubeconfig" }])).toBe("neutral");
    expect(c([])).toBe("neutral");
    expect(c([{ project: net, status: "in-line" }])).toBe("success");
    expect(c([{ ...drifted, reconcile: { done: true, outcome: "applied" } }])).toBe("success");
    expect(c([{ ...drifted, reconcile: { done: false, reason: "paused" } }])).toBe("failure");
    const text = renderDriftCheck(run([drifted]), redact, () => "https://gh/acme/infra/issues/3");
    expect(text.summary).toContain("[issue](https://gh/acme/infra/issues/3)");
    expect(text.title).toBe("Drift in 1 of 1 project");
  });

  it("the issue: marker, the plan it shows (no hidden state), attributes, redacted; a 2,000-resource drift still fits", () => {
    const shows = { firstSeen: "2026-01-01T00:00:00Z", headSha: "a".repeat(40), planHash: "f".repeat(64) };
    const facts = { branch: "main", sha: "a".repeat(40), shows, lastSeen: "2026-01-02T00:00:00Z", onDrift: "report" as const };
    const { title, body } = renderDriftIssue(drifted, facts, redact);
    expect(title).toBe("Drift: project net");
    expect(body.split("\n")[0]).toBe(printMarker({ kind: "drift-issue", project: "net" }));
    expect(projectOfIssue(body)).toBe("net");
    expect(body).toContain(`made at aaaaaaa, sha256 \`${"f".repeat(16)}\``);
    expect(body).not.toContain("sluice:drift-state");
    expect(body).toContain('`input`: `"[redacted]"` → `"git"`');
    expect(body).not.toContain("hunter2");
    // The identity the drift plan ran with, as plan comments name it; none shown when the server has no rules.
    expect(body).not.toContain("| Credentials |");
    const withIdentity = renderDriftIssue(
      { ...drifted, credentials: "`acme/*:net` (plan): OIDC (audience sts.amazonaws.com): AWS role arn:aws:iam::1:role/plan|x" },
      facts,
      redact,
    ).body;
    expect(withIdentity).toContain(
      "| Credentials | `acme/*:net` (plan): OIDC (audience sts.amazonaws.com): AWS role arn:aws:iam::1:role/plan\\|x |",
    );
    const first = drifted.resources[0];
    if (!first) throw new Error("the fixture has a drifted resource");
    const many = {
      ...drifted,
      resources: Array.from({ length: 2000 }, (_, i) => ({ ...first, address: `terraform_data.r_${i}_${"x".repeat(100)}` })),
    };
    const big = renderDriftIssue(many, facts, redact).body;
    expect(big.length).toBeLessThan(65_536);
    expect(big).toContain("more (see the full plan below)");
    expect(projectOfIssue("<!-- sluice:drift project=%E0%A4%A -->")).toBeUndefined();
    expect(projectOfIssue("Some issue")).toBeUndefined();
  });
});

describe("Helm and Kustomize drift", () => {
  const helm: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm" };
  const seen: PlanRequest[] = [];
  const deps = {
    tools: {
      runners: {
        helm: {
          kind: "helm",
          needsBase: true,
          async plan(req: PlanRequest): Promise<PlanOutcome> {
            seen.push(req);
            return { ok: true, summary: summary(), output: "", planFile: "/x/plan", durationMs: 1 };
          },
          apply: async () => ({ ok: true, output: "", durationMs: 0, sensitiveValues: [] }),
        },
      },
      // The fake runner never spawns: an exec that is called is a test bug.
      sandbox: {
        status: { mode: "off" },
        warnings: [],
        execFor: () => ({
          ok: true,
          exec: async (file: string) => {
            throw new Error(`nothing may be spawned (${file})`);
          },
        }),
      },
      env: {},
    },
    config: parseServerConfig(""),
    // Job output goes to the store (src/tool-runs/store-job-log.ts); these tests do not read it.
    store: { appendJobLog: async () => true, openStateHold: async () => undefined },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    dataDir: "/tmp/sluice-drift-unit",
    redaction: { app: createRedactor() },
  } as unknown as JobDeps;
  // The project runner checks the project's dir is in the checkout, on every road.
  const checkoutDir = testDir("sluice-drift-unit-");
  mkdirSync(join(checkoutDir, helm.dir), { recursive: true });
  const ctx = (kubeconfig?: string) => ({
    deps,
    job: {
      id: 1,
      target: { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x/acme/infra.git", pr: 0 },
      spec: { kind: "drift", trigger: "comment", actor: "alice" },
    } as unknown as Job,
    repo: { owner: "acme", name: "infra" },
    checkoutDir,
    settings: {
      // The default branch's project: the repository's kubeconfig is its credential.
      ...repoSettings(parseServerConfig(""), "acme/infra", undefined, {}, [helm]),
      kubeconfig: kubeconfig === undefined ? undefined : { apply: kubeconfig, plan: kubeconfig },
    },
    secrets: secretsFor(deps),
  });

  it("without a kubeconfig: skipped with the reason, nothing run", async () => {
    const r = await planDefaultHead(ctx(), helm, { write: () => undefined });
    expect(r).toEqual({ skipped: expect.stringContaining("no kubeconfig for plans is configured") });
    expect(seen).toEqual([]);
  });

  it("with one: a live diff of the same tree against the cluster", async () => {
    const r = await planDefaultHead(ctx("/etc/kube/config"), helm, { write: () => undefined });
    expect("ok" in r && r.ok).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      checkoutDir,
      baseCheckoutDir: checkoutDir,
      kubeconfig: "/etc/kube/config",
      details: true,
      extraArgs: [],
    });
  });
});

describe("the drift scheduler", () => {
  const target = { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x/acme/infra.git", pr: 0 };
  const quiet = { info: () => undefined, error: () => undefined };

  it("a run missed during an outage happens once, the next is counted from now; two schedulers never claim one run twice", async () => {
    const store = openSqliteStore(":memory:");
    try {
      const t0 = Date.parse("2026-01-01T10:00:00Z");
      await store.syncDriftSchedules("acme/infra", target, [{ cron: "* * * * *", projects: ["net"], nextRunAt: t0 }]);
      let now = t0 + 10 * 60_000 + 5_000; // ten missed minutes
      let woken = 0;
      const a = startDriftScheduler({ store, log: quiet, wake: () => woken++, now: () => now, tickMs: 3_600_000 });
      const b = startDriftScheduler({ store, log: quiet, wake: () => woken++, now: () => now, tickMs: 3_600_000 });
      try {
        const [fromA, fromB] = await Promise.all([a.tick(), b.tick()]);
        expect([...fromA, ...fromB]).toHaveLength(1);
        expect(woken).toBe(1);
        const job = await store.getJob([...fromA, ...fromB][0] as number);
        expect(job?.spec).toEqual({ kind: "drift-check", trigger: "schedule", projects: ["net"], actor: "sluice" });
        expect(job?.target).toEqual(target);
        expect(await a.tick()).toEqual([]);
        expect(await store.dueDriftSchedules(now)).toEqual([]);
        expect((await store.dueDriftSchedules(Date.parse("2026-01-01T10:11:00Z")))[0]?.nextRunAt).toBe(Date.parse("2026-01-01T10:11:00Z"));
        now = Date.parse("2026-01-01T10:11:00Z");
        // The first run has not started yet: this one is folded into it, and the schedule moves on.
        expect(await b.tick()).toEqual([]);
        expect(await store.dueDriftSchedules(now)).toEqual([]);
        expect((await store.claimNextJob())?.id).toBe(job?.id);
        now = Date.parse("2026-01-01T10:12:00Z");
        expect(await b.tick()).toHaveLength(1);
      } finally {
        a.stop();
        b.stop();
      }
    } finally {
      await store.close();
    }
  });

  it("a run whose claim keeps failing is looked at again a quarter of a second later, not in a busy loop", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const t0 = Date.parse("2026-01-01T10:00:00Z");
    vi.setSystemTime(t0);
    let claims = 0;
    const errors: string[] = [];
    const store = {
      dueDriftSchedules: async () => [{ repo: "acme/infra", cron: "* * * * *", projects: ["net"], nextRunAt: t0 - 1 }],
      nextDriftDueAt: async () => t0 - 1,
      claimDriftRun: async () => {
        claims++;
        throw new Error("database is locked");
      },
    };
    const s = startDriftScheduler({
      store,
      log: { info: () => undefined, error: (_o, msg) => errors.push(msg) },
      wake: () => undefined,
      tickMs: 10_000,
    });
    try {
      await vi.advanceTimersByTimeAsync(10_000 + 1_000);
      // The first look at 10 s, then every 250 ms: 5 claims in the second after it.
      expect(claims).toBe(5);
      expect(errors.every((m) => m === "drift scheduler tick failed")).toBe(true);
    } finally {
      s.stop();
      vi.useRealTimers();
    }
  });

  it("starts a run at its due time, not at the next look: a timer to the earliest due run, looks at most tickMs apart", async () => {
    const realTimeout = globalThis.setTimeout;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const store = openSqliteStore(":memory:");
    const t0 = Date.parse("2026-01-01T10:00:00Z");
    vi.setSystemTime(t0);
    let woken = 0;
    let onWake: () => void = () => undefined;
    const s = startDriftScheduler({
      store,
      log: quiet,
      wake: () => {
        woken++;
        onWake();
      },
      tickMs: 10_000,
    });
    try {
      // Written after the scheduler started (as a push's config does): seen at the first look.
      await store.syncDriftSchedules("acme/infra", target, [{ cron: "15 0 10 * * *", projects: ["net"], nextRunAt: t0 + 15_000 }]);
      await vi.advanceTimersByTimeAsync(10_000);
      await vi.advanceTimersByTimeAsync(4_999);
      expect(await store.nextDriftDueAt()).toBe(t0 + 15_000);
      expect(woken).toBe(0);
      // The claim's commit is real I/O: wait for it in real time, while the fake clock stands at
      // 15 s (polling every tickMs would next look at 20 s, and never get there).
      const woke = new Promise<boolean>((resolve) => {
        onWake = () => resolve(true);
        realTimeout(() => resolve(false), 10_000);
      });
      await vi.advanceTimersByTimeAsync(1);
      expect(await woke).toBe(true);
      expect(Date.now()).toBe(t0 + 15_000);
      expect((await store.claimNextJob())?.spec).toMatchObject({ kind: "drift-check", trigger: "schedule", projects: ["net"] });
      // The next run is a day on: the scheduler keeps looking every tickMs and claims nothing.
      await vi.advanceTimersByTimeAsync(60_000);
      expect(woken).toBe(1);
    } finally {
      s.stop();
      vi.useRealTimers();
      await store.close();
    }
  });
});

describe("a Kubernetes project's drift is in its live diff", () => {
  it("what the cluster holds that applying the branch would change is drift from outside git; an unread live diff is no 'in line'", () => {
    // Before: the render diff (git against itself, always empty) was all a check read: in line.
    expect(
      liveDrift({
        live: {
          ok: true,
          changes: [
            { address: "Deployment/apps/web", action: "update" },
            { address: "ConfigMap/apps/extra", action: "delete" },
          ],
        },
      }),
    ).toEqual({
      resources: [
        { address: "Deployment/apps/web", action: "update", cause: "outside", attributes: [] },
        { address: "ConfigMap/apps/extra", action: "delete", cause: "outside", attributes: [] },
      ],
    });
    expect(liveDrift({ live: { ok: false, reason: "helm get manifest exited with code 1: cluster unreachable" } })).toEqual({
      unread: "helm get manifest exited with code 1: cluster unreachable",
    });
  });

  it("control: a cluster like git is no drift; a plan without a live diff (Terraform) says nothing here", () => {
    expect(liveDrift({ live: { ok: true, changes: [] } })).toEqual({ resources: [] });
    expect(liveDrift({})).toBeUndefined();
  });
});
