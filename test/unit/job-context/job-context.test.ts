import { afterEach, describe, expect, it } from "vitest";
import { openJobContext } from "../../../src/job-context/job-context.js";
import { dispatch } from "../../../src/jobs/run-job.js";
import { parseMarker } from "../../../src/render/comment-body.js";
import type { Job } from "../../../src/model/job.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";

const REPO = { owner: "acme", name: "infra" };
const HEAD = "h".repeat(40);

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

async function storedJob(): Promise<Job> {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 5 },
    { kind: "reply", body: "help", commentId: 3, actor: "alice" },
  );
  const job = await deps.store.getJob(id);
  if (!job) throw new Error("job not stored");
  return job;
}

describe("the job context", () => {
  it("replies once, with the job's marker, redacted with what the job learnt", async () => {
    deps = await fakeJobDeps();
    const job = await storedJob();
    const ctx = await openJobContext(job, deps);
    ctx.secrets.add(["s3cr3t-value"]);
    await ctx.reply("the token s3cr3t-value leaked");
    await ctx.reply("a second answer");
    expect(deps.vcs.comments).toHaveLength(1);
    const body = deps.vcs.comments[0]?.body ?? "";
    expect(parseMarker(body)).toEqual({ kind: "job", jobId: String(job.id), part: 1 });
    expect(body).not.toContain("s3cr3t-value");
    // The comment is the job's: a restart of the job finds it and answers nothing more.
    const again = await openJobContext((await deps.store.getJob(job.id)) as Job, deps);
    await again.reply("after a restart");
    expect(deps.vcs.comments).toHaveLength(1);
  });

  it("releases every checkout when it closes, however the job ended", async () => {
    deps = await fakeJobDeps();
    deps.fakeWorkspace.commit(HEAD, { "main.tf": "" });
    const ctx = await openJobContext(await storedJob(), deps);
    const request = { repo: REPO, cloneUrl: "x", token: "t", pr: 5, headSha: HEAD, baseSha: HEAD, baseRef: "main" };
    const failing = async () => {
      await ctx.checkout(request);
      await ctx.checkoutBranchHead({ repo: REPO, cloneUrl: "x", token: "t", branch: "main", sha: HEAD });
      throw new Error("the job failed midway");
    };
    await expect(failing().finally(() => ctx.close())).rejects.toThrow("midway");
    expect(deps.fakeWorkspace.inUse).toBe(0);
  });

  it("hands each use case its own kind: a help reply answers with the usage", async () => {
    deps = await fakeJobDeps();
    const ctx = await openJobContext(await storedJob(), deps);
    await dispatch(ctx);
    expect(deps.vcs.comments[0]?.body).toContain("/plan");
  });
});
