import { expect, it } from "vitest";
import { secretsFor } from "../../src/job-context/secrets.js";
import { prefetchHead } from "../../src/jobs/plan-pull-request.js";
import type { CheckoutRequest } from "../../src/workspace/workspace.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob } from "../fakes/fake-jobs.js";
import { fakePullRequest } from "../fakes/fake-vcs.js";

// A plan job fetches the PR's commits while it reads GitHub's permissions, only where a plan could
// follow and the commits are the repository's own: an open pull request of this repository.

async function prefetched(pr: ReturnType<typeof fakePullRequest>, serverConfig = "") {
  const deps = await fakeJobDeps({ serverConfig });
  const asked: CheckoutRequest[] = [];
  deps.fakeWorkspace.prefetch = async (req) => {
    asked.push(req);
  };
  const job = runningJob({ kind: "plan", trigger: "autoplan", actor: "alice", actorId: 1 } as never);
  const secrets = secretsFor(deps);
  await prefetchHead({ job, deps, vcs: deps.vcs, secrets }, pr);
  return { asked, secrets };
}

it("an open pull request's head and base are fetched with the clone token, which the job's redaction learns", async () => {
  const pr = fakePullRequest({ number: 1 });
  const { asked, secrets } = await prefetched(pr);
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatchObject({
    pr: 1,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    baseRef: "main",
    repo: { owner: "acme", name: "infra" },
  });
  const token = asked[0]?.token ?? "";
  expect(token).not.toBe("");
  expect(secrets.redact(`token ${token}`)).not.toContain(token);
});

it("nothing is fetched for a closed pull request, nor for a fork's on a server that does not plan forks", async () => {
  expect((await prefetched(fakePullRequest({ state: "closed" }))).asked).toEqual([]);
  expect((await prefetched(fakePullRequest({ headRepo: "mallory/infra" }))).asked).toEqual([]);
});

it("a fork's head is not fetched before its permission check, even where forks are planned: anyone can open one", async () => {
  // A stranger's fork, whose author may not plan (plan_permission: write): its commits (any size,
  // again at each push) would land in the mirror though no plan follows.
  expect((await prefetched(fakePullRequest({ headRepo: "mallory/infra" }), "allow_fork_prs: true\n")).asked).toEqual([]);
  // Control: a pull request of the repository itself, whose branch only a writer could push.
  expect((await prefetched(fakePullRequest({ headRepo: "acme/infra" }), "allow_fork_prs: true\n")).asked).toHaveLength(1);
});

it("a prefetch that fails is not the job's failure: the checkout fetches again and says why", async () => {
  const deps = await fakeJobDeps();
  deps.fakeWorkspace.prefetch = async () => {
    throw new Error("network down");
  };
  const job = runningJob({ kind: "plan", trigger: "autoplan", actor: "alice", actorId: 1 } as never);
  await expect(prefetchHead({ job, deps, vcs: deps.vcs, secrets: secretsFor(deps) }, fakePullRequest())).resolves.toBeUndefined();
});
