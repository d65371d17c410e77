import { afterEach, describe, expect, it } from "vitest";
import { askedBeforePlan } from "../../src/authorization/asked-before-plan.js";
import type { Job, JobSpec, JobWith, SpecOf } from "../../src/model/job.js";
import { recoverJobs } from "../../src/queue/recover-jobs.js";
import { VcsError } from "../../src/vcs/vcs-client.js";
import { type FakeJobDeps, fakeJobDeps } from "../fakes/fake-job-deps.js";
import { newPlan } from "../fakes/new-plan.js";

// A pull request's plan is shown when its job's final comment is posted. A replica that stored
// that answer and died leaves it to the recovery, which ends the job at once and posts the answer
// when GitHub takes it: until then the plan is on no page, whatever the job's status says.

const REPO = { owner: "acme", name: "infra" };
const HEAD = "h".repeat(40);
let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

/** bob's `/plan -- -var …` job, claimed by a replica that saved its plan and answer, then stopped. */
async function bobsPlanLeftUnposted() {
  const spec: JobSpec = { kind: "plan", trigger: "comment", actor: "bob" };
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    spec,
  );
  await deps.store.claimNextJob();
  const plan = await deps.store.savePlan(newPlan({ jobId: id, headSha: HEAD, baseSha: "b", planHash: "sha256:x" }), {
    sha256: "x",
    size: 0,
  });
  const comment = await deps.vcs.createComment(REPO, 1, "bob's plan: running");
  await deps.store.updateJob(id, { commentIds: [comment] });
  await deps.store.saveResult(id, {
    command: "plan",
    headSha: HEAD,
    comments: ["bob's plan: planned net"],
    check: { status: "completed", conclusion: "success", title: "+0 ~0 -0", summary: "done" },
  });
  return { id, plan };
}

const aliceApply = (commentAt: string): JobWith<SpecOf<"apply">> =>
  ({
    id: 99,
    createdAt: new Date(Date.parse(commentAt) + 1_000).toISOString(),
    spec: { kind: "apply", trigger: "comment", actor: "alice", commentAt, command: { kind: "apply", filter: {} } },
  }) as JobWith<SpecOf<"apply">>;

describe("a plan whose answer the recovery could not post yet is not shown", () => {
  it("an /apply written after its job was ended, before its comment was posted, is refused as not shown; control: once posted, it is shown", async () => {
    deps = await fakeJobDeps();
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD });
    const { id, plan } = await bobsPlanLeftUnposted();
    const update = deps.vcs.updateComment.bind(deps.vcs);
    let githubDown = true;
    deps.vcs.updateComment = async (repo, commentId, body) => {
      if (githubDown) throw new VcsError("Bad Gateway", 502, true);
      return update(repo, commentId, body);
    };
    await recoverJobs(deps);
    const ended = (await deps.store.getJob(id)) as Job;
    expect(ended.status).toBe("done");
    expect(await deps.store.resultOf(id)).toMatchObject({ posted: false });
    expect(deps.vcs.bodiesOn(1)).toEqual(["bob's plan: running"]);

    // alice writes /apply well after the job was ended: bob's plan is still on no page.
    const written = new Date(Date.parse(ended.updatedAt) + 5_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(await askedBeforePlan(deps.store, aliceApply(written), plan)).toMatchObject({ by: "bob", notShown: true });

    // Control: GitHub back, the answer posted; an /apply written after that showing applies it.
    githubDown = false;
    await recoverJobs(deps);
    const posted = await deps.store.resultOf(id);
    expect(posted).toMatchObject({ posted: true });
    expect(deps.vcs.bodiesOn(1)).toEqual(["bob's plan: planned net"]);
    const shownAt = posted?.posted ? posted.shownAt : undefined;
    const after = new Date(Date.parse(shownAt ?? ended.updatedAt) + 2_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(await askedBeforePlan(deps.store, aliceApply(after), plan)).toBeUndefined();
  });
});
