import { rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import type { RepoRef } from "../../../src/model/repo.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { FakeRunner, type FakeRunnerScript } from "../../fakes/fake-runner.js";

const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const REPO = { owner: "acme", name: "infra" };

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
  if (deps?.dataDir.includes("sluice-replica-b-")) await rm(deps.dataDir, { recursive: true, force: true });
});

async function setup(script?: FakeRunnerScript) {
  const runner = new FakeRunner("terraform", script);
  deps = await fakeJobDeps({ runners: { terraform: runner } });
  deps.fakeWorkspace.commit(BASE, {}).commit(HEAD, { "app/main.tf": 'resource "terraform_data" "x" {}' }, BASE);
  deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE });
  deps.vcs.permissions.set("alice", "write");
  deps.vcs.permissions.set("bob", "write");
  return runner;
}

async function job(spec: JobSpec): Promise<Job> {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    spec,
  );
  const j = await deps.store.getJob(id);
  if (!j) throw new Error("job not stored");
  return j;
}

const applyComment = (commentId: number): Promise<Job> =>
  job({ kind: "apply", trigger: "comment", command: { kind: "apply", filter: {} }, commandLine: "/apply", commentId, actor: "alice" });

async function planned(script?: FakeRunnerScript) {
  const runner = await setup(script);
  await runJob(await job({ kind: "plan", trigger: "autoplan", actor: "alice" }), deps);
  deps.vcs.reviewsOf.set(1, [{ user: "bob", state: "APPROVED", commitId: HEAD, submittedAt: new Date(Date.now() + 2000).toISOString() }]);
  return runner;
}

/** Runs `probe` once, when a comment body matching `when` is first written on the PR (the reply a user reads). */
function onReply(when: RegExp, probe: () => Promise<void>): { ran: () => boolean } {
  let ran = false;
  const vcs = deps.vcs;
  const create = vcs.createComment.bind(vcs);
  const update = vcs.updateComment.bind(vcs);
  const fire = async (body: string) => {
    if (ran || !when.test(body)) return;
    ran = true;
    await probe();
  };
  vcs.createComment = async (repo: RepoRef, pr: number, body: string, opts?: { mayExist?: boolean }) => {
    const id = await create(repo, pr, body, opts);
    await fire(body);
    return id;
  };
  vcs.updateComment = async (repo: RepoRef, commentId: number, body: string) => {
    const done = await update(repo, commentId, body);
    await fire(body);
    return done;
  };
  return { ran: () => ran };
}

const slotFor = (jobId: number) => deps.store.beginPrOperation("acme/infra", 1, "apply", jobId);

describe("a refused /apply frees the PR's apply slot before its reply is read", () => {
  it("an /apply with nothing to apply: the slot is free once its refusal is shown, and its end keeps the next holder's", async () => {
    await setup();
    const first = await applyComment(10);
    const taken: unknown[] = [];
    const reply = onReply(/Nothing to apply/, async () => {
      taken.push(await slotFor(first.id + 100));
    });
    await runJob(first, deps);
    expect(reply.ran()).toBe(true);
    expect(taken).toEqual([{ ok: true }]);
    // The refused job's own end must not free the slot the next apply holds now.
    expect(await slotFor(first.id + 200)).toEqual({ ok: false, jobId: first.id + 100 });
  });

  it("an /apply the gate refuses (stale plan): a user answering at once with /apply is not told one is in progress", async () => {
    const runner = await planned();
    const moved = "c".repeat(40);
    deps.fakeWorkspace.commit(moved, { "app/main.tf": "changed" }, BASE);
    deps.vcs.setPullRequest({ number: 1, headSha: moved, baseSha: BASE });
    const replies: string[] = [];
    onReply(/the plan is stale/, async () => {
      // The next /apply, run to its end while the refusal is being shown.
      await runJob(await applyComment(11), deps);
      replies.push(deps.vcs.bodiesOn(1).join("\n"));
    });
    await runJob(await applyComment(10), deps);
    expect(replies).toHaveLength(1);
    expect(replies[0]).not.toContain("already in progress");
    expect(runner.applied).toEqual([]);
  });

  it("attack: two /apply of one PR in quick succession still give exactly one apply", async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let started = () => {};
    const applying = new Promise<void>((r) => {
      started = r;
    });
    const runner = await planned({
      apply: async () => {
        started();
        await held;
        return { ok: true };
      },
    });
    const first = runJob(await applyComment(10), deps);
    await applying;
    await runJob(await applyComment(11), deps);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("already in progress");
    release();
    await first;
    expect(runner.applied).toEqual(["app"]);
  });

  // GitHub shows (and branch protection reads) the newest `sluice/apply` check run of a commit.
  const newestApplyCheck = () => deps.vcs.checks.filter((c) => c.name === "sluice/apply" && c.headSha === HEAD).at(-1);

  it("attack: a refusal whose answer lands after the next /apply applied does not leave the newest sluice/apply red", async () => {
    const runner = await planned();
    await deps.store.setAppliesPaused({ by: "root", reason: "maintenance" });
    const next = onReply(/paused/i, async () => {
      // The pause is lifted and the next /apply runs to its end while the refusal is being posted.
      await deps.store.setAppliesPaused(undefined);
      await runJob(await applyComment(11), deps);
    });
    await runJob(await applyComment(10), deps);
    expect(next.ran()).toBe(true);
    expect(runner.applied).toEqual(["app"]);
    expect(newestApplyCheck()?.updates.at(-1)?.conclusion).toBe("success");
  });

  it("control: a refused /apply alone still completes its own sluice/apply as a failure", async () => {
    await planned();
    await deps.store.setAppliesPaused({ by: "root", reason: "maintenance" });
    await runJob(await applyComment(10), deps);
    const checks = deps.vcs.checks.filter((c) => c.name === "sluice/apply");
    expect(checks).toHaveLength(1);
    expect(checks[0]?.updates.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(await slotFor(999)).toEqual({ ok: true });
  });
});
