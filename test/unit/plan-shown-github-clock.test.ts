import { afterEach, describe, expect, it } from "vitest";
import { askedBeforePlan } from "../../src/authorization/asked-before-plan.js";
import { createCommentPublisher } from "../../src/job-output/publish-comments.js";
import type { Job, JobSpec, JobWith, SpecOf } from "../../src/model/job.js";
import { createRedactor } from "../../src/util/redact.js";
import { type FakeJobDeps, fakeJobDeps } from "../fakes/fake-job-deps.js";
import { newPlan } from "../fakes/new-plan.js";

// A pull request's plan is shown when its plan job's comment is posted. That moment is taken from
// GitHub's answer to the comment's edit, on the clock the `/apply` comment's `created_at` is on:
// where GitHub's clock runs ahead of Sluice's, a comment written just before the plan showed is
// no longer let through as written after the job's end by Sluice's clock.

const REPO = { owner: "acme", name: "infra" };
const HEAD = "h".repeat(40);
let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

const planSpec: JobSpec = { kind: "plan", trigger: "comment", actor: "bob" };
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** bob's plan job: its plan saved, its comment posted (queued, then final) through the publisher, the job ended. */
async function bobsPlanJob() {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    planSpec,
  );
  await deps.store.claimNextJob();
  const running = (await deps.store.getJob(id)) as Job;
  const publisher = createCommentPublisher(deps.vcs, deps, running, {
    command: "plan",
    headSha: HEAD,
    trigger: { text: "/plan", user: "bob" },
    maxComments: 10,
    secrets: { redact: createRedactor() },
  });
  await publisher.publish({ state: "queued", results: [] });
  const plan = await deps.store.savePlan(newPlan({ jobId: id, headSha: HEAD, baseSha: "b", planHash: "sha256:x" }), {
    sha256: "x",
    size: 0,
  });
  await publisher.final({ state: "done", results: [] });
  await deps.store.updateJob(id, { status: "done" });
  return { job: (await deps.store.getJob(id)) as Job, plan };
}

const aliceApply = (commentAt: string): JobWith<SpecOf<"apply">> =>
  ({
    id: 99,
    createdAt: new Date(Date.now() + 60_000).toISOString(),
    spec: { kind: "apply", trigger: "comment", actor: "alice", commentAt, command: { kind: "apply", filter: {} } },
  }) as JobWith<SpecOf<"apply">>;

describe("a pull request's plan is shown at GitHub's time of its comment", () => {
  it("records GitHub's time of the final edit, and an /apply written before it is refused though Sluice's clock is behind", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    deps.vcs.clockSkewMs = 3_000;
    const before = Date.now();
    const { job, plan: saved } = await bobsPlanJob();
    const result = await deps.store.resultOf(job.id);
    const shownAt = result?.posted ? result.shownAt : undefined;
    expect(shownAt).toBeDefined();
    expect(Date.parse(shownAt ?? "")).toBeGreaterThanOrEqual(Date.parse(stamp(before + 3_000)));
    // Written a second before GitHub showed the plan: after the job's end by Sluice's clock.
    const written = stamp(Date.parse(shownAt ?? "") - 1_000);
    expect(Date.parse(written)).toBeGreaterThan(Date.parse(job.updatedAt));
    expect(await askedBeforePlan(deps.store, aliceApply(written), saved)).toMatchObject({ by: "bob", shownAt });
    // Control: written in the second GitHub showed it, it saw the plan.
    expect(await askedBeforePlan(deps.store, aliceApply(shownAt ?? ""), saved)).toBeUndefined();
  });
});
