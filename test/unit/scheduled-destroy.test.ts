import { describe, expect, it } from "vitest";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { parseDestroyAt } from "../../src/config/repo/normalize-destroy-schedule.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { scheduledDestroyText } from "../../src/jobs/preview/report-scheduled-destroy.js";
import { lastApplyOf, scheduledDestroyDue } from "../../src/preview/scheduled-destroy-due.js";

const H = 3600_000;
const D = 24 * H;
const app = { name: "app", dir: "app", workspace: "staging" };
const where = { repo: "acme/web", project: "app", workspace: "staging" };
const T0 = Date.parse("2026-12-01T00:00:00Z");
const allowed = parseServerConfig("allowed_overrides: [preview]\n");

const load = (keys: string, runner = "") =>
  loadRepoConfig({ sluice: `version: 1\nprojects:\n  - name: app\n    dir: app\n    workspace: staging\n${runner}${keys}` });

describe("destroy_at / idle_ttl are read from the config, strictly", () => {
  it("reads an ISO date-time with a zone, a date (midnight UTC) and a duration", () => {
    const c = load('    destroy_at: "2026-12-01T18:30:00+01:00"\n    idle_ttl: 14d\n');
    if (!c.ok) throw new Error(c.errors.join("\n"));
    expect(c.config.projects[0]?.destroySchedule).toEqual({ destroyAt: Date.parse("2026-12-01T17:30:00Z"), idleTtlMs: 14 * D });
    expect(parseDestroyAt("2026-12-01")).toBe(T0);
  });

  it.each([
    ['destroy_at: "next friday"', "destroy_at", "must be an ISO 8601 date"],
    // No zone: the server's own zone would decide the hour.
    ['destroy_at: "2026-12-01T18:00"', "destroy_at", "with a zone"],
    ['destroy_at: "2026-02-30"', "destroy_at", "must be an ISO 8601 date"],
    ["idle_ttl: forever", "idle_ttl", "must be a duration such as"],
    ["idle_ttl: 0d", "idle_ttl", "must be a duration such as"],
  ])("refuses %s with a clear error naming the key", (line, key, message) => {
    const c = load(`    ${line}\n`);
    expect(c.ok).toBe(false);
    const text = c.ok ? "" : c.errors.join("\n");
    expect(text).toContain(key);
    expect(text).toContain(message);
  });

  it("refuses them on a project with no -destroy plan (helm)", () => {
    const c = loadRepoConfig({
      sluice: "version: 1\nprojects:\n  - name: app\n    dir: app\n    runner: helm\n    idle_ttl: 3d\n",
    });
    expect(c.ok ? "" : c.errors.join("\n")).toContain("terraform and opentofu projects only");
  });
});

describe("only the trusted config sets them, where the server allows it", () => {
  const trusted = load("    idle_ttl: 3d\n");
  const plain = load("");
  if (!trusted.ok || !plain.ok) throw new Error("fixture");
  it("needs allowed_overrides: [preview]", () => {
    expect(repoSettings(parseServerConfig(""), "acme/web", trusted.config).destroyScheduleFor(app)).toBeUndefined();
    expect(repoSettings(allowed, "acme/web", trusted.config).destroyScheduleFor(app)).toEqual({ idleTtlMs: 3 * D });
  });

  it("a PR's own config adding the key does not count: settings come from the base branch's config", () => {
    // The PR's branch has the key, the base has not: the settings are built from the base.
    expect(repoSettings(allowed, "acme/web", plain.config).destroyScheduleFor(app)).toBeUndefined();
    expect(scheduledDestroyDue(where, repoSettings(allowed, "acme/web", plain.config).destroyScheduleFor(app), undefined, T0)).toBe(
      undefined,
    );
    // And with no trusted config at all (a base that is not trusted), nothing either.
    expect(repoSettings(allowed, "acme/web", undefined).destroyScheduleFor(app)).toBeUndefined();
  });
});

describe("when the destroy comes (clock injected)", () => {
  const at = { destroyAt: T0 };
  it("destroy_at: not before, at and after its time", () => {
    expect(scheduledDestroyDue(where, at, undefined, T0 - 1)).toBeUndefined();
    expect(scheduledDestroyDue(where, at, undefined, T0)?.reason).toContain("`destroy_at` (2026-12-01T00:00:00Z) passed");
    expect(scheduledDestroyDue(where, at, { id: 3, at: T0 - D, number: 5, source: "pr" }, T0 + D)).toBeDefined();
  });

  it("destroy_at: a workspace applied again after the date is left alone (it was brought back on purpose)", () => {
    expect(scheduledDestroyDue(where, at, { id: 4, at: T0 + H, number: 6, source: "merge" }, T0 + 2 * H)).toBeUndefined();
  });

  it("idle_ttl: counted from the last apply, re-armed by a new one, never for a workspace never applied", () => {
    const idle = { idleTtlMs: 3 * D };
    const last = { id: 7, at: T0, number: 9, source: "pr" as const };
    expect(scheduledDestroyDue(where, idle, undefined, T0 + 100 * D)).toBeUndefined();
    expect(scheduledDestroyDue(where, idle, last, T0 + 3 * D - 1)).toBeUndefined();
    const due = scheduledDestroyDue(where, idle, last, T0 + 3 * D);
    expect(due?.reason).toContain("`idle_ttl` (3d)");
    expect(due?.onceKey).toBe("scheduled-destroy:acme/web:app:staging:idle:7");
    expect(scheduledDestroyDue(where, idle, { ...last, id: 8, at: T0 + 2 * D }, T0 + 3 * D)).toBeUndefined();
  });

  it("the once-key is stable across sweeps and differs per apply and per date: never destroyed twice", () => {
    const a = scheduledDestroyDue(where, at, undefined, T0 + H)?.onceKey;
    expect(scheduledDestroyDue(where, at, undefined, T0 + 5 * H)?.onceKey).toBe(a);
    expect(scheduledDestroyDue(where, { destroyAt: T0 + 1 }, undefined, T0 + H)?.onceKey).not.toBe(a);
  });

  it("the last apply is the newest succeeded one of that very workspace", () => {
    const row = (id: number, workspace: string, outcome: string, finishedAt?: string, project = "app") => ({
      id,
      project,
      dir: "app",
      workspace,
      outcome,
      number: id,
      source: "pr" as const,
      ...(finishedAt ? { finishedAt } : {}),
    });
    const rows = [
      row(1, "staging", "succeeded", "2026-12-01T00:00:00Z"),
      row(2, "staging", "failed", "2026-12-03T00:00:00Z"),
      row(3, "default", "succeeded", "2026-12-04T00:00:00Z"),
      row(4, "staging", "started"),
      row(5, "staging", "succeeded", "2026-12-02T00:00:00Z"),
      // Another named project on the same dir and workspace (its own -backend-config): not this one's apply.
      row(6, "staging", "succeeded", "2026-12-09T00:00:00Z", "app-green"),
    ];
    const app = { name: "app", dir: "app", workspace: "staging" };
    expect(lastApplyOf(rows, app)).toEqual({ id: 5, at: T0 + D, number: 5, source: "pr" });
    expect(lastApplyOf(rows, { ...app, dir: "other" })).toBeUndefined();
    expect(lastApplyOf(rows, { ...app, name: "app-green" })?.id).toBe(6);
  });
});

describe("after a scheduled destroy, nothing is due until the next apply", () => {
  it("the live record's scheduled-destroy row stops both keys; an apply after it re-arms idle_ttl", () => {
    const both = { destroyAt: T0, idleTtlMs: D };
    const destroyed = { id: 9, at: T0 + H, number: 0, source: "scheduled-destroy" as const };
    expect(scheduledDestroyDue(where, both, destroyed, T0 + 100 * D)).toBeUndefined();
    const reapplied = { id: 10, at: T0 + 2 * D, number: 12, source: "pr" as const };
    expect(scheduledDestroyDue(where, both, reapplied, T0 + 3 * D)?.onceKey).toBe("scheduled-destroy:acme/web:app:staging:idle:10");
  });
});

describe("the report", () => {
  const base = { project: { ...app, runner: "terraform" as const }, reason: "its `idle_ttl` (3d) passed", last: undefined, attempt: 1 };
  const head = { name: "main", sha: "b".repeat(40) };
  it("says what was destroyed, why and from which commit; a failure says when it is tried again, its message escaped", () => {
    const ok = scheduledDestroyText({ ...base, head, outcome: { ok: true, counts: "+0 ~0 -2" } });
    expect(ok).toContain("🗑️ scheduled destroy of `app` (workspace `staging`): destroyed (+0 ~0 -2)");
    expect(ok).toContain("`main` at bbbbbbb");
    const bad = scheduledDestroyText({
      ...base,
      head,
      nextAt: T0 + H,
      outcome: { ok: false, refused: false, message: "boom <img src=x> @someone" },
    });
    expect(bad).toContain("❌ scheduled destroy of `app` (workspace `staging`) failed (attempt 1)");
    expect(bad).toContain("tried again from 2026-12-01T01:00:00Z");
    expect(bad).not.toContain("<img");
    expect(bad).not.toContain(" @someone");
  });
});
