import { afterEach, describe, expect, it } from "vitest";
import { driftCommandSpec } from "../../../src/drift/drift-command-spec.js";
import { upgradeDriftSpec } from "../../../src/drift/upgrade-drift-spec.js";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec, LegacyDriftSpec } from "../../../src/model/job.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { fakeUserId } from "../../fakes/fake-vcs.js";

const REPO = { owner: "acme", name: "infra" };
const MAIN = "d".repeat(40);
const NET = { "net/main.tf": 'resource "terraform_data" "x" {}\n' };

describe("a drift job kind per command", () => {
  it.each<[string, LegacyDriftSpec, JobSpec]>([
    ["a push", { kind: "drift", trigger: "push", actor: "alice" }, { kind: "drift-schedule-sync", actor: "alice" }],
    [
      "a schedule",
      { kind: "drift", trigger: "schedule", projects: ["net"], actor: "sluice" },
      { kind: "drift-check", trigger: "schedule", projects: ["net"], actor: "sluice" },
    ],
    [
      "/drift -p net",
      {
        kind: "drift",
        trigger: "comment",
        command: { kind: "drift", action: "check", filter: { project: "net" } },
        commandLine: "/drift -p net",
        commentId: 7,
        actor: "alice",
      },
      { kind: "drift-check", trigger: "comment", filter: { project: "net" }, commandLine: "/drift -p net", commentId: 7, actor: "alice" },
    ],
    [
      "/drift pause -p net -- migration",
      {
        kind: "drift",
        trigger: "comment",
        command: { kind: "drift", action: "pause", filter: { project: "net" }, reason: "migration" },
        commentId: 7,
        actor: "alice",
      },
      { kind: "drift-pause", action: "pause", project: "net", reason: "migration", commentId: 7, actor: "alice" },
    ],
    [
      "/drift resume (no project: the job says so)",
      { kind: "drift", trigger: "comment", command: { kind: "drift", action: "resume", filter: {} }, commentId: 7, actor: "alice" },
      { kind: "drift-pause", action: "resume", project: "", commentId: 7, actor: "alice" },
    ],
  ])("a stored `drift` job of %s is read as the kind it meant", (_, legacy, today) => {
    expect(upgradeDriftSpec(legacy)).toEqual(today);
  });

  it("a /drift comment today makes the same spec an upgraded one does", () => {
    const cmd = { kind: "drift" as const, action: "pause" as const, filter: { project: "net" }, reason: "r" };
    const from = { commandLine: "/drift pause -p net -- r", commentId: 3, actor: "bob" };
    expect(driftCommandSpec(cmd, from)).toEqual(upgradeDriftSpec({ kind: "drift", trigger: "comment", command: cmd, ...from }));
  });
});

describe("a `drift` job queued before an upgrade", () => {
  let deps: FakeJobDeps;
  afterEach(async () => {
    await deps?.store.close();
    await deps?.fakeWorkspace.dispose();
  });

  async function stored(spec: JobSpec, pr: number): Promise<Job> {
    deps.fakeWorkspace.commit(MAIN, NET);
    deps.vcs.permissions.set("alice", "write");
    deps.vcs.permissions.set("mallory", "read");
    const id = await deps.store.enqueueInternal({ installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr }, spec);
    const job = await deps.store.getJob(id);
    if (!job) throw new Error("job not stored");
    return job;
  }

  const pause = (actor: string, project = "net"): LegacyDriftSpec => ({
    kind: "drift",
    trigger: "comment",
    command: { kind: "drift", action: "pause", filter: { project }, reason: "db migration" },
    commandLine: `/drift pause -p ${project} -- db migration`,
    commentId: 41,
    actor,
  });

  it("still runs after the upgrade: a stored pause pauses the project and says so, once", async () => {
    deps = await fakeJobDeps();
    const job = await stored(pause("alice"), 12);
    await runJob(job, deps);
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", actor: "alice", reason: "db migration" }]);
    expect(deps.vcs.comments.map((c) => c.body)).toEqual([expect.stringContaining("Reconciliation of project `net` is paused")]);
    // Run again (a restart while it ran): the answer is not posted twice.
    const again = await deps.store.getJob(job.id);
    if (!again) throw new Error("job gone");
    await runJob(again, deps);
    expect(deps.vcs.comments).toHaveLength(1);
    expect(deps.fakeWorkspace.inUse).toBe(0);
  });

  it("keeps its guards: a stored pause by a user without write access changes nothing", async () => {
    deps = await fakeJobDeps();
    await runJob(await stored(pause("mallory"), 12), deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
    expect(deps.vcs.comments.map((c) => c.body)).toEqual([expect.stringContaining("Not run: @\u200bmallory needs write access")]);
  });

  it("keeps its guards: a stored pause of a project the default branch does not have is refused by name", async () => {
    deps = await fakeJobDeps();
    await runJob(await stored(pause("alice", "nett"), 12), deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
    expect(deps.vcs.comments.map((c) => c.body)).toEqual([expect.stringContaining("there is no project `nett`")]);
  });

  it("a resume needs the project's apply permission: the next check reconciles by itself", async () => {
    deps = await fakeJobDeps({ serverConfig: 'permissions:\n  - { match: "acme/infra:net", apply: [carol] }\n' });
    deps.vcs.permissions.set("carol", "write");
    await deps.store.setDriftPause("acme/infra", "net", { actor: "carol", reason: "db migration" });
    // With the commenter's account id, as GitHub sends it: the rule's users are accounts.
    const resume = (actor: string, actorId?: number): JobSpec => ({
      kind: "drift-pause",
      action: "resume",
      project: "net",
      commentId: 42,
      actor,
      ...(actorId !== undefined ? { actorId } : {}),
    });
    await runJob(await stored(resume("alice", fakeUserId("alice")), 12), deps);
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net" }]);
    expect(deps.vcs.comments.map((c) => c.body)).toEqual([expect.stringContaining("Not resumed: the server's permissions rule")]);
    // A job without the id (queued before this version) is no one's, even under the named login: it says why.
    await runJob(await stored(resume("carol"), 12), deps);
    expect(deps.vcs.comments.at(-1)?.body).toContain("its users are matched by GitHub account id");
    // Control: the one the rule names resumes it.
    await runJob(await stored(resume("carol", fakeUserId("carol")), 12), deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
    expect(deps.vcs.comments.at(-1)?.body).toContain("Reconciliation of project `net` is resumed");
  });

  it("a resume from the console (no PR, a role's grant) meets the same permissions rule and answers in its log", async () => {
    deps = await fakeJobDeps({ serverConfig: 'permissions:\n  - { match: "acme/infra:net", apply: ["sso:corp:carol"] }\n' });
    await deps.store.setDriftPause("acme/infra", "net", { actor: "carol", reason: "db migration" });
    const resume = (actor: string): JobSpec => ({
      kind: "drift-pause",
      action: "resume",
      project: "net",
      actor,
      grant: "write",
      via: "the console (SSO corp)",
    });
    const answer = async (id: number) => (await deps.store.readJobLog(id, 0)).map((c) => c.text).join("");
    // An operator of the repository whom the rule does not name: write access is not enough.
    const refused = await stored(resume("sso:corp:otto"), 0);
    await runJob(refused, deps);
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net" }]);
    expect(await answer(refused.id)).toContain("Not resumed: the server's permissions rule `acme/infra:net`");
    expect(deps.vcs.comments).toEqual([]);
    // Control: the one the rule names resumes it, audited with the way in.
    const allowed = await stored(resume("sso:corp:carol"), 0);
    await runJob(allowed, deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
    expect(await answer(allowed.id)).toContain("Reconciliation of project `net` is resumed");
    expect((await deps.store.auditEvents({ action: "drift-resume" }))[0]).toMatchObject({
      actor: "sso:corp:carol",
      detail: "(from the console (SSO corp))",
    });
    expect(deps.vcs.comments).toEqual([]);
  });

  it("a stored push refreshes the schedules from the default branch's config", async () => {
    deps = await fakeJobDeps({ serverConfig: 'drift: { schedule: "0 * * * *" }\n' });
    await runJob(await stored({ kind: "drift", trigger: "push", actor: "alice" }, 0), deps);
    expect(await deps.store.dueDriftSchedules(Number.MAX_SAFE_INTEGER)).toMatchObject([
      { repo: "acme/infra", cron: "0 * * * *", projects: ["net"] },
    ]);
    expect(deps.vcs.comments).toEqual([]);
    expect(deps.fakeWorkspace.inUse).toBe(0);
  });
});

describe("/drift resume delivered late", () => {
  let deps: FakeJobDeps;
  afterEach(async () => {
    await deps?.store.close();
    await deps?.fakeWorkspace.dispose();
  });

  async function stored(spec: JobSpec): Promise<Job> {
    deps.fakeWorkspace.commit(MAIN, NET);
    deps.vcs.permissions.set("alice", "write");
    const id = await deps.store.enqueueInternal(
      { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 12 },
      spec,
    );
    return (await deps.store.getJob(id)) as Job;
  }
  const resume = (commentAt: string): JobSpec => ({
    kind: "drift-pause",
    action: "resume",
    project: "net",
    commentId: 42,
    actor: "alice",
    commentAt,
  });

  it("a resume written before the project was paused (a reconcile failed since) lifts nothing (control: written after, it resumes)", async () => {
    deps = await fakeJobDeps();
    const written = new Date(Date.now() - 60_000).toISOString();
    // Paused by Sluice after the resume was written, before GitHub redelivered it.
    await deps.store.setDriftPause("acme/infra", "net", { actor: "sluice", reason: "the reconcile's apply failed" });
    await runJob(await stored(resume(written)), deps);
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", reason: "the reconcile's apply failed" }]);
    expect(deps.vcs.comments.at(-1)?.body).toContain("before reconciliation of project `net` was paused at");
    await runJob(await stored(resume(new Date(Date.now() + 1_000).toISOString())), deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
    expect(deps.vcs.comments.at(-1)?.body).toContain("Reconciliation of project `net` is resumed");
  });

  it("a console resume lifts only the pause its page showed: one set since stays (control: the one shown is lifted)", async () => {
    deps = await fakeJobDeps();
    const fromConsole = (pausedShownAt: string): JobSpec => ({
      kind: "drift-pause",
      action: "resume",
      project: "net",
      actor: "alice",
      via: "the console",
      pausedShownAt,
    });
    await deps.store.setDriftPause("acme/infra", "net", { actor: "bob", reason: "maintenance" });
    const shown = (await deps.store.driftPauses("acme/infra"))[0]?.createdAt ?? "";
    await new Promise((r) => setTimeout(r, 5));
    // The reconcile failed after the page was loaded: Sluice paused the project again.
    await deps.store.setDriftPause("acme/infra", "net", { actor: "sluice", reason: "the reconcile's apply failed" });
    await runJob(await stored(fromConsole(shown)), deps);
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", reason: "the reconcile's apply failed" }]);
    expect(deps.vcs.comments.at(-1)?.body).toContain("was paused again at");
    const now = (await deps.store.driftPauses("acme/infra"))[0]?.createdAt ?? "";
    await runJob(await stored(fromConsole(now)), deps);
    expect(await deps.store.driftPauses("acme/infra")).toEqual([]);
  });
});
