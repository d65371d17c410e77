import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroyPreviewAction, driftPauseAction, pauseAction, unlockAction } from "../../src/console/console-actions.js";
import type { Principal } from "../../src/console/principal.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { JobTarget } from "../../src/model/job.js";
import type { Permission } from "../../src/model/pull-request.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";

/**
 * The actions the console's forms and the API share, on a real (embedded) store: each rule
 * refuses the attacker and lets the control through, and each act is audited with who and how.
 */
let dir: string;
let store: Store;
const target: JobTarget = {
  repo: { owner: "acme", name: "infra" },
  pr: 7,
  installationId: 1,
  cloneUrl: "http://127.0.0.1:1/acme/infra.git",
} as unknown as JobTarget;

const who = (permission: Permission | undefined, extra: Partial<Principal> = {}): Principal => ({
  actor: `sso:corp:${permission ?? "nobody"}`,
  via: "the API (SSO corp)",
  access: new Map(permission ? [["acme/infra", permission]] : []),
  admin: false,
  mayPause: false,
  granted: true,
  ...extra,
});
const deps = (config = parseServerConfig("", "test")) => ({
  store,
  config,
  wake: () => undefined,
  log: { info: () => undefined, warn: () => undefined },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-actions-"));
  store = await openSqliteStore(join(dir, "sluice.db"));
  await store.enqueueInternal(target, { kind: "unlock", command: { kind: "unlock", filter: {} }, actor: "seed" });
  await store.recordDriftCheck({ repo: "acme/infra", project: "net", status: "drifted", reason: "", checkedAt: new Date().toISOString() });
});

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("console actions shared by the console and the API", () => {
  it("drift pause: unseen 404, a viewer 403, an operator pauses and resumes, audited with who and how", async () => {
    const req = { repo: "acme/infra", project: "net", action: "pause" as const, reason: "db migration" };
    expect(await driftPauseAction(deps(), who(undefined), req)).toMatchObject({ ok: false, status: 404 });
    expect(await driftPauseAction(deps(), who("write"), { ...req, project: "nope" })).toMatchObject({ ok: false, status: 404 });
    expect(await driftPauseAction(deps(), who("read"), req)).toMatchObject({ ok: false, status: 403 });
    expect(await driftPauseAction(deps(), who("write"), { ...req, reason: " " })).toMatchObject({ ok: false, status: 400 });
    // A reason past the form's limit (a post without the form) is refused, not cut without a word.
    expect(await driftPauseAction(deps(), who("write"), { ...req, reason: "x".repeat(301) })).toMatchObject({
      ok: false,
      status: 400,
      text: expect.stringContaining("at most 300 characters"),
    });
    expect(await store.driftPauses("acme/infra")).toEqual([]);
    expect(await driftPauseAction(deps(), who("write"), req)).toEqual({ ok: true, value: { action: "pause" } });
    expect(await store.driftPauses("acme/infra")).toMatchObject([{ project: "net", actor: "sso:corp:write", reason: "db migration" }]);
    expect(await driftPauseAction(deps(), who("read"), { ...req, action: "resume" })).toMatchObject({ ok: false, status: 403 });
    // A resume is the job's (it asks the server's permissions rule): queued for no PR, with the
    // role's grant and the way in; the pause holds until the job decides.
    const shownAt = (await store.driftPauses("acme/infra"))[0]?.createdAt;
    const resumed = await driftPauseAction(deps(), who("write"), { ...req, action: "resume", pausedShownAt: shownAt });
    expect(resumed).toMatchObject({ ok: true, value: { action: "resume", jobId: expect.any(Number) } });
    const job = resumed.ok && "jobId" in resumed.value ? await store.getJob(resumed.value.jobId) : undefined;
    expect(job?.target).toMatchObject({ pr: 0, installationId: 1 });
    expect(job?.spec).toEqual({
      kind: "drift-pause",
      action: "resume",
      project: "net",
      commandLine: "drift resume -p net (from the API (SSO corp))",
      actor: "sso:corp:write",
      via: "the API (SSO corp)",
      grant: "write",
      // The pause the page showed: the job lifts no pause set after it.
      pausedShownAt: shownAt,
    });
    expect(await store.driftPauses("acme/infra")).toMatchObject([{ project: "net" }]);
    // A paused_at that is no time is refused as such; nothing is queued.
    expect(await driftPauseAction(deps(), who("write"), { ...req, action: "resume", pausedShownAt: "soon" })).toMatchObject({
      ok: false,
      status: 400,
    });
    const events = await store.auditEvents({ repo: "acme/infra" });
    expect(events.map((e) => [e.action, e.actor, e.detail])).toEqual([
      ["drift-pause", "sso:corp:write", "db migration (from the API (SSO corp))"],
    ]);
  });

  it("pause of every apply: an operator of some repositories is refused, one of all pauses (audited)", async () => {
    expect(await pauseAction(deps(), who("write"), "pause", { reason: "incident" })).toMatchObject({ ok: false, status: 403 });
    expect(await pauseAction(deps(), who("write", { mayPause: true }), "pause", { reason: "x".repeat(201) })).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(await store.appliesPaused()).toBeUndefined();
    expect(await pauseAction(deps(), who("write", { mayPause: true }), "pause", { reason: "incident" })).toMatchObject({ ok: true });
    expect(await store.appliesPaused()).toMatchObject({ by: "sso:corp:write", reason: "incident" });
    expect(await pauseAction(deps(), who("write", { mayPause: true }), "resume")).toMatchObject({ ok: true });
    expect((await store.auditEvents({ action: "pause" }))[0]).toMatchObject({
      actor: "sso:corp:write",
      detail: "incident (from the API (SSO corp))",
    });
  });

  it("a resume naming the pause it was shown lifts that one only: a newer pause stays (409, whose)", async () => {
    const admin = who("write", { mayPause: true });
    await pauseAction(deps(), admin, "pause", { reason: "incident" });
    const shown = (await store.appliesPaused())?.at as string;
    await new Promise((r) => setTimeout(r, 3));
    await store.setAppliesPaused({ by: "carol", reason: "db failover" });
    const stale = await pauseAction(deps(), admin, "resume", { pausedAt: shown });
    expect(stale).toMatchObject({ ok: false, status: 409, heading: "Paused again since" });
    expect(!stale.ok && stale.text).toContain("carol");
    expect(await store.appliesPaused()).toMatchObject({ by: "carol", reason: "db failover" });
    expect(await pauseAction(deps(), admin, "resume", { pausedAt: "yesterday" })).toMatchObject({ ok: false, status: 400 });
    // Control: the pause shown now is lifted, and said resumed in the audit trail.
    const now = (await store.appliesPaused())?.at as string;
    expect(await pauseAction(deps(), admin, "resume", { pausedAt: now })).toMatchObject({ ok: true, value: { action: "resume" } });
    expect(await store.appliesPaused()).toBeUndefined();
    expect((await store.auditEvents({ action: "resume" })).length).toBeGreaterThan(0);
  });

  it("unlock and preview destroy: nothing unseen is named, a viewer cannot act", async () => {
    const lock = { repo: "acme/infra", pr: 7, dir: "net", workspace: "default" };
    expect(await unlockAction(deps(), who(undefined), lock)).toMatchObject({
      ok: false,
      status: 404,
      text: "There is no such lock you can see.",
    });
    expect(await unlockAction(deps(), who("read"), lock)).toMatchObject({ ok: false, status: 403 });
    // Control: a writer gets past both rules (no lock is held: 409, nothing queued).
    expect(await unlockAction(deps(), who("write"), lock)).toMatchObject({ ok: false, status: 409 });
    const preview = { repo: "acme/infra", pr: 7, project: "net" };
    expect(await destroyPreviewAction(deps(), who(undefined), preview)).toMatchObject({ ok: false, status: 404 });
  });

  it("a repository the server's allowlist leaves out: no unlock or drift resume is queued for nothing", async () => {
    await store.takeLock({ repo: "acme/infra", dir: "db", workspace: "default", project: "db", scope: "", pr: 7 }, target);
    const lock = { repo: "acme/infra", pr: 7, dir: "db", workspace: "default", project: "db" };
    const resume = { repo: "acme/infra", project: "net", action: "resume" as const };
    const left = parseServerConfig("repos: [acme/other]\n", "test");
    const before = (await store.activeJobsOf("acme/infra", 7)).length;
    for (const refused of [await unlockAction(deps(left), who("write"), lock), await driftPauseAction(deps(left), who("write"), resume)])
      expect(refused).toMatchObject({ ok: false, status: 409, text: expect.stringContaining("no longer acts on acme/infra") });
    expect((await store.activeJobsOf("acme/infra", 7)).length).toBe(before);
    // Control: listed, the same unlock is queued.
    const listed = parseServerConfig("repos: [acme/infra]\n", "test");
    expect(await unlockAction(deps(listed), who("write"), lock)).toMatchObject({ ok: true, value: { jobId: expect.any(Number) } });
  });
});
