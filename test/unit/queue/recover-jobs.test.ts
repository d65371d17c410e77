import { afterEach, describe, expect, it } from "vitest";
import { recoverJobs } from "../../../src/queue/recover-jobs.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import type { JobResult } from "../../../src/model/job-result.js";
import { jobMarker, printMarker } from "../../../src/render/comment-body.js";

const markerFor = (jobId: string, part: number) => printMarker(jobMarker(jobId, part));
import { VcsError } from "../../../src/vcs/vcs-client.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";

const REPO = { owner: "acme", name: "infra" };
const HEAD = "h".repeat(40);

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

/** A job a stopped process had claimed (running), with the comment parts it had created. */
async function leftRunning(spec: JobSpec, parts: string[] = []): Promise<Job> {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    spec,
  );
  const claimed = await deps.store.claimNextJob();
  if (claimed?.id !== id) throw new Error("job not claimed");
  const commentIds: number[] = [];
  for (const body of parts) commentIds.push(await deps.vcs.createComment(REPO, 1, body));
  await deps.store.updateJob(id, { commentIds });
  return (await deps.store.getJob(id)) as Job;
}

const plan: JobSpec = { kind: "plan", trigger: "autoplan", actor: "alice" };
const apply: JobSpec = { kind: "apply", trigger: "comment", command: { kind: "apply", filter: {} }, commandLine: "/apply", actor: "alice" };

const result = (job: Job, parts: string[]): JobResult => ({
  command: job.spec.kind === "apply" ? "apply" : "plan",
  headSha: HEAD,
  comments: parts.map((text, i) => `${markerFor(String(job.id), i + 1)}\n${text}`),
  check: { status: "completed", conclusion: "success", title: "+1 ~0 -0", summary: "done" },
});

/** Every GitHub write the fake saw: comment creations and edits, check creations and updates. */
const writes = () =>
  deps.vcs.comments.reduce((n, c) => n + c.history.length, 0) + deps.vcs.checks.reduce((n, c) => n + c.updates.length, 0);

describe("recovery after a process stopped (fake VCS; SQLite in memory)", () => {
  it("posts a stored answer the stopped process had not posted, once, and does not run its job again", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const job = await leftRunning(apply, [`${markerFor("1", 1)}\nqueued`]);
    // The process created part 2 but stopped before recording its id.
    await deps.vcs.createComment(REPO, 1, `${markerFor(String(job.id), 2)}\nold part 2`);
    await deps.store.saveResult(job.id, result(job, ["applied", "part 2"]));

    await recoverJobs(deps);

    expect(deps.vcs.bodiesOn(1)).toEqual([`${markerFor("1", 1)}\napplied`, `${markerFor("1", 2)}\npart 2`]);
    expect(deps.vcs.checks).toMatchObject([{ name: "sluice/apply", headSha: HEAD, externalId: `sluice-job-${job.id}` }]);
    expect(await deps.store.resultOf(job.id)).toMatchObject({ posted: true });
    expect(await deps.store.getJob(job.id)).toMatchObject({ status: "done", commentIds: deps.vcs.comments.map((c) => c.id) });
    const after = writes();
    await recoverJobs(deps);
    expect(writes()).toBe(after);
    expect(deps.vcs.bodiesOn(1).join("\n")).not.toMatch(/Interrupted/);
  });

  it("finishes a job whose answer was posted, and re-queues a plan that had none", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const answered = await leftRunning(plan, [`${markerFor("1", 1)}\nplanned`]);
    await deps.store.saveResult(answered.id, result(answered, ["planned"]));
    await deps.store.markResultPosted(answered.id);
    const unanswered = await leftRunning(plan);
    const before = writes();

    await recoverJobs(deps);

    expect(writes()).toBe(before);
    expect((await deps.store.getJob(answered.id))?.status).toBe("done");
    expect((await deps.store.getJob(unanswered.id))?.status).toBe("queued");
  });

  it("gives up on a stored answer GitHub refuses outright (the PR is gone), and keeps one it may post later", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const gone = await leftRunning(apply, [`${markerFor("1", 1)}\nrunning`]);
    await deps.store.saveResult(gone.id, result(gone, ["applied"]));
    const later = await leftRunning(plan, [`${markerFor("2", 1)}\nrunning`]);
    await deps.store.saveResult(later.id, result(later, ["planned"]));
    const update = deps.vcs.updateComment.bind(deps.vcs);
    deps.vcs.updateComment = async (repo, id, body) => {
      if (body.includes("applied")) throw new VcsError("Not Found", 404, false);
      if (body.includes("planned")) throw new VcsError("Bad Gateway", 502, true);
      return update(repo, id, body);
    };

    await recoverJobs(deps);

    expect(await deps.store.resultOf(gone.id)).toEqual({ jobId: gone.id, posted: true });
    expect(await deps.store.resultOf(later.id)).toMatchObject({ posted: false });
    expect(await deps.store.orphanedResults()).toMatchObject([{ jobId: later.id }]);
  });

  it("ends the Deployment of each interrupted apply once, by the job that started it: a reconcile asked for on issue #1, and PR #1's apply", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    // `/drift` commented on issue #1: the job's target is #1, its reconcile's live record is number 0.
    const drift = await leftRunning({ kind: "drift-check", trigger: "comment", commentId: 5, actor: "alice" });
    const pr = await leftRunning(apply, [`${markerFor("2", 1)}\nrunning`]);
    const started = async (job: Job, project: string, number: number, source: "reconcile" | "pr") => {
      await deps.store.recordApplyStart({ jobId: job.id, repo: "acme/infra", pr: number, project, planId: 0 });
      const id = await deps.store.recordLiveApplyStart({
        repo: "acme/infra",
        project,
        dir: project,
        workspace: "default",
        commitSha: HEAD,
        source,
        number,
        actor: "alice",
        approvers: [],
        planHash: "h",
      });
      const deployment = await deps.vcs.createDeployment(REPO, { sha: HEAD, environment: project, description: "applying" });
      await deps.store.recordLiveApplyDeployment(id, deployment);
      return deployment;
    };
    const reconciled = await started(drift, "net", 0, "reconcile");
    const applied = await started(pr, "app", 1, "pr");

    await recoverJobs(deps);

    const statuses = (id: number) => deps.vcs.deployments.find((d) => d.id === id)?.statuses.map((st) => st.state);
    expect(statuses(reconciled)).toEqual(["error"]);
    expect(statuses(applied)).toEqual(["error"]);
  });

  it("never re-queues a reconcile whose apply another replica marked interrupted first: it is reported, its project paused", async () => {
    deps = await fakeJobDeps();
    const drift = await leftRunning({ kind: "drift-check", trigger: "schedule", projects: ["net"], actor: "sluice" });
    await deps.store.recordApplyStart({ jobId: drift.id, repo: "acme/infra", pr: 0, project: "net", planId: 0 });
    // Two replicas recover the same dead one: the other marked the applies interrupted, this one adopts the job.
    const other = await deps.store.interruptStartedApplies();
    expect(other.applies).toHaveLength(1);

    await recoverJobs(deps);

    expect(await deps.store.getJob(drift.id)).toMatchObject({ status: "interrupted" });
    expect(await deps.store.claimNextJob()).toBeUndefined();
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", actor: "sluice" }]);
  });

  it("never re-queues a reconcile whose owner died between the sweep of started applies and the adoption of its jobs", async () => {
    deps = await fakeJobDeps();
    const drift = await leftRunning({ kind: "drift-check", trigger: "schedule", projects: ["net"], actor: "sluice" });
    await deps.store.recordApplyStart({ jobId: drift.id, repo: "acme/infra", pr: 0, project: "net", planId: 0 });
    // The sweep and the adoption ask whether the owner is dead a moment apart: its heartbeat ran
    // out in between, so the sweep left its apply 'started' and the adoption took its job.
    const sweep = deps.store.interruptStartedApplies.bind(deps.store);
    deps.store.interruptStartedApplies = async () => ({ applies: [], live: [] });

    await recoverJobs(deps);

    expect(await deps.store.getJob(drift.id)).toMatchObject({ status: "interrupted" });
    expect(await deps.store.claimNextJob()).toBeUndefined();
    expect(await deps.store.driftPauses("acme/infra")).toMatchObject([{ project: "net", actor: "sluice" }]);
    // Control: the next sweep finds the apply still started and marks it.
    deps.store.interruptStartedApplies = sweep;
    expect((await deps.store.interruptStartedApplies()).applies).toHaveLength(1);
  });

  it("never re-queues a state command cut short (`/import` changes the state like an apply): it is said on the PR, without an apply check", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const job = await leftRunning({
      kind: "state",
      command: { kind: "import", filter: { project: "net" }, address: "aws_s3_bucket.b", id: "b" },
      commandLine: "/import -p net aws_s3_bucket.b b",
      commentId: 5,
      actor: "alice",
    });

    await recoverJobs(deps);

    expect(await deps.store.getJob(job.id)).toMatchObject({ status: "interrupted" });
    expect(await deps.store.claimNextJob()).toBeUndefined();
    expect(deps.vcs.bodiesOn(1)).toHaveLength(1);
    expect(deps.vcs.bodiesOn(1)[0]).toMatch(/Interrupted: Sluice stopped while `\/import -p net aws_s3_bucket.b b` was running/);
    expect(deps.vcs.checks).toEqual([]);
    // Control: a plan cut short is re-queued (see above); recovering again says nothing more.
    await recoverJobs(deps);
    expect(deps.vcs.bodiesOn(1)).toHaveLength(1);
  });

  it("reports an apply with no answer as interrupted, keeps that answer, and never re-queues it", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const job = await leftRunning(apply, [`${markerFor("1", 1)}\nrunning`]);

    await recoverJobs(deps);

    expect(deps.vcs.bodiesOn(1)).toHaveLength(1);
    expect(deps.vcs.bodiesOn(1)[0]).toMatch(/Interrupted: Sluice stopped while this apply was running/);
    expect(deps.vcs.checks.at(-1)?.updates.at(-1)).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(await deps.store.getJob(job.id)).toMatchObject({ status: "interrupted" });
    expect(await deps.store.resultOf(job.id)).toMatchObject({ posted: true });
    expect(await deps.store.claimNextJob()).toBeUndefined();
  });
});
