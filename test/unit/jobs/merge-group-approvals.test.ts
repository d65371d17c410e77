import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { approvedPlans } from "../../../src/jobs/merge-group-reviews.js";
import type { Job } from "../../../src/model/job.js";
import type { NewPlan } from "../../../src/store/store.js";
import { fakeJobDeps } from "../../fakes/fake-job-deps.js";

// The merge queue's approved plans (what the group must not change) count approvals as `/apply`
// does: the approval of the head's pusher, or of an agent, is not one.

const HEAD = "h".repeat(40);
const bytes = Buffer.from("plan bytes");
const file = { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, bytes };
const plan: NewPlan = {
  repo: "acme/infra",
  pr: 1,
  project: "net",
  dir: "net",
  workspace: "default",
  runner: "terraform",
  headSha: HEAD,
  baseSha: "b".repeat(40),
  planPath: "/data/plans/net.tfplan",
  planHash: file.sha256,
  summary: {
    add: 1,
    change: 0,
    destroy: 0,
    replace: 0,
    move: 0,
    import: 0,
    forget: 0,
    resources: [{ address: "terraform_data.net", action: "create" }],
    moves: [],
    outputs: [],
    hasChanges: true,
    terraformVersion: "1.11.4",
  },
  jobId: 1,
};
const job = {
  id: 2,
  target: { installationId: 7, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://example.test/acme/infra.git", pr: 1 },
  spec: {
    kind: "merge_group",
    headSha: "g".repeat(40),
    headRef: "gh-readonly-queue/main/pr-1",
    baseSha: "b".repeat(40),
    baseRef: "main",
    pulls: [1],
    actor: "carol",
  },
} as unknown as Job;

async function setUp(approver: string) {
  const deps = await fakeJobDeps();
  deps.vcs.setPullRequest({ number: 1, author: "alice", headSha: HEAD });
  for (const u of ["bob", "carol", "renovate[bot]"]) deps.vcs.permissions.set(u, "write");
  await deps.store.savePlan(plan, file);
  // Approved a second after the plan was made, as a reviewer reading it would.
  const at = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, "Z");
  deps.vcs.reviewsOf.set(1, [{ user: approver, state: "APPROVED", commitId: HEAD, submittedAt: at }]);
  await deps.store.recordHeadPush("acme/infra", 1, HEAD, "bob");
  return deps;
}

describe("merge queue: approved plans", () => {
  it("a plan approved only by the pusher of its head is not an approved plan", async () => {
    const deps = await setUp("bob");
    expect(await approvedPlans(deps.vcs, deps, job, [1], 1)).toEqual([]);
  });
  it("a plan approved only by an agent (server `agents`) is not an approved plan, as on `/apply`", async () => {
    const deps = await setUp("renovate[bot]");
    deps.config.agents = ["*[bot]"];
    expect(await approvedPlans(deps.vcs, deps, job, [1], 1)).toEqual([]);
  });
  it("control: a plan approved by someone who did not push is", async () => {
    const deps = await setUp("carol");
    expect((await approvedPlans(deps.vcs, deps, job, [1], 1)).map((p) => p.project)).toEqual(["net"]);
  });
});
