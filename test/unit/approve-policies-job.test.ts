import { describe, expect, it, vi } from "vitest";
import { runJob } from "../../src/jobs/run-job.js";
import { planPolicyFact } from "../../src/authorization/plan-policy-fact.js";
import type { PolicyCheck } from "../../src/model/policy-check.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { fakeUserId } from "../fakes/fake-vcs.js";
import { summary } from "../golden/fixtures.js";
import { acmeInfra, runningJob, writtenAt } from "../fakes/fake-jobs.js";

const SERVER = [
  "policies:",
  "  owners: { users: [sec] }",
  "  policy_sets:",
  "    - { name: a, path: /p/a, source: local }",
  "    - { name: b, path: /p/b, source: local, prevent_self_approve: true, owners: { teams: [security] } }",
].join("\n");

const failed = (...names: string[]): PolicyCheck => ({
  sets: names.map((name) => ({ name, status: "failed" as const, successes: 0, failures: [`${name} says no`], warnings: [] })),
});

let nextComment = 1;
// The commenter's account id, as GitHub sends it: owners are matched by it.
const approveJob = (actor: string, clear = false, createdAt?: string, commentAt?: string, actorId: number | null = fakeUserId(actor)) =>
  runningJob(
    {
      kind: "approve_policies",
      command: { kind: "approve_policies", filter: {}, clear },
      commentId: 1000 + nextComment++,
      actor,
      ...(actorId !== null ? { actorId } : {}),
      ...writtenAt(commentAt),
    },
    createdAt ? { createdAt } : {},
  );

async function setup(check: PolicyCheck) {
  const deps = await fakeJobDeps({ serverConfig: SERVER });
  const pr = deps.vcs.setPullRequest({ author: "alice" });
  // A re-plan saved with another hash and the same (empty) changes is identical to the one before.
  const save = (hash: string) =>
    deps.store.savePlan(
      {
        repo: "acme/infra",
        pr: 1,
        project: "net",
        dir: "net",
        workspace: "default",
        runner: "terraform",
        headSha: pr.headSha,
        baseSha: pr.baseSha,
        planPath: "/nowhere/plan.tfplan",
        planHash: hash,
        summary: summary({ add: 1, hasChanges: true }),
        jobId: 1,
      },
      { sha256: hash, size: 0 },
    );
  const plan = await save("sha256:one");
  await deps.store.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: plan.planHash }, check);
  const run = async (actor: string, clear = false, createdAt?: string, commentAt?: string, actorId?: number | null) => {
    const before = deps.vcs.bodiesOn(1).length;
    await runJob(approveJob(actor, clear, createdAt, commentAt, actorId), deps);
    return deps.vcs.bodiesOn(1).slice(before).join("\n");
  };
  return { deps, plan, save, run, fact: () => planPolicyFact(deps, deps.vcs, plan) };
}

describe("/approve_policies on the fakes", () => {
  it("a top-level owner approves every failed set; a team member only the sets of their team", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    deps.vcs.teams.set("acme/security", ["carol"]);
    const carol = await run("carol");
    expect(carol).toContain("@carol approved 1 failed policy set");
    expect(carol).toContain("not approved `a`: @carol is not one of its owners (@sec)");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }] });
    expect(await run("sec")).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
    // sluice/policy_check turns green with the approval that lifted the last set.
    expect(deps.vcs.checks.at(-1)).toMatchObject({ name: "sluice/policy_check", updates: [{ conclusion: "success" }] });
  });

  it("an approval counts only while its giver owns the set: an owner taken out of the server's policies, or out of the team, no longer approves", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    deps.vcs.teams.set("acme/security", ["carol"]);
    expect(await run("sec")).toContain("@sec approved 2 failed policy sets");
    expect(await run("carol")).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
    // Control: the owners as they were still count; then sec is replaced, and carol leaves the team.
    (deps.config.policies as { owners: { users: string[] } }).owners.users = ["newsec"];
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a", approvals: 0 }] });
    deps.vcs.teams.set("acme/security", []);
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }, { name: "b", approvals: 0 }] });
  });

  it("prevent_self_approve: the PR's author, though an owner, cannot approve that set", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    deps.vcs.teams.set("acme/security", ["alice"]);
    deps.vcs.permissions.set("alice", "write");
    const alice = await run("alice");
    expect(alice).toContain(
      "not approved `b`: its owners may not approve their own pull request, nor a head they pushed (`prevent_self_approve`)",
    );
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }, { name: "b" }] });
  });

  it("prevent_self_approve: the author is known by account: one who commented and renamed before the job ran cannot approve; control: another owner can", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    deps.vcs.teams.set("acme/security", ["alice", "carol"]);
    // alice wrote /approve_policies, then renamed: GitHub now names the pull request's author alice-2.
    const pr = await deps.vcs.pullRequest({ owner: "acme", name: "infra" }, 1);
    Object.assign(pr, { author: "alice-2", authorId: fakeUserId("alice") });
    expect(await run("alice")).toContain("not approved `b`: its owners may not approve their own pull request");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }, { name: "b", approvals: 0 }] });
    expect(await run("carol")).toContain("@carol approved 1 failed policy set");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }] });
  });

  it("prevent_self_approve: an owner who pushed the head of another's pull request cannot approve that set; another owner can", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    deps.vcs.teams.set("acme/security", ["carol", "dave"]);
    const pr = await deps.vcs.pullRequest({ owner: "acme", name: "infra" }, 1);
    await deps.store.recordHeadPush("acme/infra", 1, pr.headSha, "carol", new Date().toISOString());
    expect(await run("carol")).toContain("not approved `b`: its owners may not approve their own pull request, nor a head they pushed");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }, { name: "b", approvals: 0 }] });
    // Control: an owner who did not push it approves.
    expect(await run("dave")).toContain("@dave approved 1 failed policy set");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }] });
  });

  it("no set prevents self-approval: who pushed the head is not looked for on GitHub; control: where one does, it is", async () => {
    const { deps, run } = await setup(failed("a"));
    const activity = vi.spyOn(deps.vcs, "branchPushesOf");
    const commits = vi.spyOn(deps.vcs, "commitUsers");
    const sets = (deps.config.policies as { policy_sets: { prevent_self_approve: boolean }[] }).policy_sets;
    for (const set of sets) set.prevent_self_approve = false;
    expect(await run("sec")).toContain("@sec approved 1 failed policy set");
    expect(activity.mock.calls.length + commits.mock.calls.length).toBe(0);
    for (const set of sets) set.prevent_self_approve = true;
    await run("sec");
    expect(activity.mock.calls.length + commits.mock.calls.length).toBeGreaterThan(0);
  });

  it("--clear-policy-approval needs write access and forgets the approvals of the current plans", async () => {
    const { deps, run, fact } = await setup(failed("a", "b"));
    await run("sec");
    expect(await fact()).toEqual({ passed: true });
    expect(await run("mallory", true)).toContain("Nothing was cleared");
    expect(await fact()).toEqual({ passed: true });
    deps.vcs.permissions.set("bob", "write");
    expect(await run("bob", true)).toContain("Cleared 2 policy approvals of 1 plan");
    expect(await fact()).toMatchObject({ passed: false });
  });

  it("--clear-policy-approval says how many approvals counted, not how many records of earlier plans it deleted", async () => {
    const { deps, save, run } = await setup(failed("a", "b"));
    expect(await run("sec")).toContain("policies pass now");
    // An identical re-plan whose sets fail otherwise: the earlier approvals do not count for it.
    const replan = await save("sha256:two");
    const reworded: PolicyCheck = {
      sets: ["a", "b"].map((name) => ({ name, status: "failed" as const, successes: 0, failures: [`${name} now says no`], warnings: [] })),
    };
    await deps.store.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: replan.planHash }, reworded);
    expect(await run("sec")).toContain("policies pass now");
    deps.vcs.permissions.set("bob", "write");
    expect(await run("bob", true)).toContain("Cleared 2 policy approvals of 1 plan");
    // Control: every record is gone all the same, the earlier plan's included.
    expect(await planPolicyFact(deps, deps.vcs, replan)).toMatchObject({ passed: false });
    expect(await deps.store.policyApprovals({ repo: "acme/infra", pr: 1, planHash: "sha256:one" })).toEqual([]);
  });

  it("an approval commented before the plan was made does not approve it (a /plan or push that won the race)", async () => {
    // The owner read the comment of an earlier plan and commented `/approve_policies`; before the
    // job ran, a `/plan -- -var …` (or a push) replaced that plan with one the owner never saw.
    const { deps, plan, run, fact } = await setup(failed("a", "b"));
    const commentedBefore = new Date(Date.parse(plan.createdAt) - 5_000).toISOString();
    const said = await run("sec", false, commentedBefore);
    expect(said).toContain("Not approved");
    expect(said).toContain("was planned after the `/approve_policies` comment");
    expect(await fact()).toMatchObject({
      passed: false,
      blocking: [
        { name: "a", reason: "failed" },
        { name: "b", reason: "failed" },
      ],
    });
    expect(await deps.store.policyApprovals({ repo: "acme/infra", pr: 1, planHash: plan.planHash })).toEqual([]);
    // Control: the same owner commenting again, now that the plan is shown, approves it.
    expect(await run("sec")).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
  });

  it("an approval commented before the plan but delivered after it (GitHub redelivered it) does not approve it", async () => {
    // The job is stored when the delivery arrives: a redelivery's job is younger than the plan
    // though its comment, written when the owner read the earlier plan, is older.
    const { deps, plan, run, fact } = await setup(failed("a", "b"));
    const commentedBefore = new Date(Date.parse(plan.createdAt) - 5_000).toISOString();
    const said = await run("sec", false, new Date(Date.parse(plan.createdAt) + 60_000).toISOString(), commentedBefore);
    expect(said).toContain("was planned after the `/approve_policies` comment");
    expect(await deps.store.policyApprovals({ repo: "acme/infra", pr: 1, planHash: plan.planHash })).toEqual([]);
    expect(await fact()).toMatchObject({ passed: false });
    // Control: written after the plan, delivered late all the same, it approves.
    const commentedAfter = new Date(Date.parse(plan.createdAt) + 1_000).toISOString();
    expect(await run("sec", false, new Date(Date.parse(plan.createdAt) + 60_000).toISOString(), commentedAfter)).toContain(
      "policies pass now",
    );
    expect(await fact()).toEqual({ passed: true });
  });

  it("control: a comment GitHub stamped with the plan's own second (whole seconds: it may be after the plan) approves it", async () => {
    const { plan, run, fact } = await setup(failed("a", "b"));
    const planned = Date.parse(plan.createdAt);
    const sameSecond = new Date(Math.floor(planned / 1000) * 1000).toISOString();
    expect(await run("sec", false, new Date(planned + 60_000).toISOString(), sameSecond)).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
  });

  it("a set checked again with other failures between its reading and the approval is not approved, and the reply says so", async () => {
    const { deps, plan, run, fact } = await setup(failed("a", "b"));
    const key = { repo: "acme/infra", pr: 1, planHash: plan.planHash };
    // The same plan made again (the same bytes, the same hash) while the job ran; `a`'s policy
    // was reworded, so `a` fails otherwise; `b` alike.
    const reworded: PolicyCheck = {
      sets: [
        { name: "a", status: "failed", successes: 0, failures: ["a says no, reworded"], warnings: [] },
        { name: "b", status: "failed", successes: 0, failures: ["b says no"], warnings: [] },
      ],
    };
    const approve = deps.store.approvePolicies.bind(deps.store);
    deps.store.approvePolicies = async (...args) => {
      await deps.store.savePolicyCheck(key, reworded);
      return approve(...args);
    };
    const said = await run("sec");
    expect(said).toContain("@sec approved 1 failed policy set");
    expect(said).toContain("`a` not approved: checked again with other failures while this command ran");
    expect(await deps.store.policyApprovals(key)).toEqual([{ policySet: "b", user: "sec", userId: fakeUserId("sec") }]);
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a" }] });
    // Control: asked again, now that the new failures are the ones read, `a` is approved.
    deps.store.approvePolicies = approve;
    expect(await run("sec")).toContain("policies pass now");
  });

  it("an approval commented before a re-plan that changed nothing approves what its writer read (the same changes, the same failures)", async () => {
    // sec read the plan's failures and commented; before the job ran, the same head was planned
    // again alike (a Re-run, another's bare /plan): the current plan is newer than the comment,
    // but an identical one, with the same failures, was there when it was written.
    const { deps, save, run } = await setup(failed("a", "b"));
    const commentedAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1_100));
    const replan = await save("sha256:two");
    await deps.store.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: replan.planHash }, failed("a", "b"));
    expect(await run("sec", false, commentedAt, commentedAt)).toContain("policies pass now");
    expect(await planPolicyFact(deps, deps.vcs, replan)).toEqual({ passed: true });
  });

  it("control: a re-plan alike whose set fails otherwise than what was read leaves that set unapproved", async () => {
    const { deps, save, run } = await setup(failed("a", "b"));
    const commentedAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1_100));
    const replan = await save("sha256:two");
    const reworded: PolicyCheck = {
      sets: [
        { name: "a", status: "failed", successes: 0, failures: ["a says no, reworded"], warnings: [] },
        { name: "b", status: "failed", successes: 0, failures: ["b says no"], warnings: [] },
      ],
    };
    await deps.store.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: replan.planHash }, reworded);
    const said = await run("sec", false, commentedAt, commentedAt);
    expect(said).toContain("`a` not approved");
    expect(await planPolicyFact(deps, deps.vcs, replan)).toMatchObject({ passed: false, blocking: [{ name: "a" }] });
  });

  it("an approval commented while the plan's job still ran (its comment, showing the failures, not posted) does not approve it", async () => {
    const { deps, plan, run, fact } = await setup(failed("a", "b"));
    // bob's plan job saved the plan and still plans other projects: sec read the failures of the plan shown before.
    const maker = await deps.store.enqueueInternal(acmeInfra(1), { kind: "plan", trigger: "comment", actor: "bob" } as never);
    expect(maker).toBe(plan.jobId);
    await new Promise((r) => setTimeout(r, 1_100));
    const written = new Date().toISOString();
    expect(await run("sec", false, written, written)).toContain("or shown after it");
    expect(await fact()).toMatchObject({ passed: false });
    // Written then, delivered after the job ended and posted the plan: not approved either.
    await new Promise((r) => setTimeout(r, 1_100));
    await deps.store.updateJob(maker, { status: "done" });
    expect(await run("sec", false, new Date(Date.now() + 60_000).toISOString(), written)).toContain("Not approved");
    expect(await fact()).toMatchObject({ passed: false });
    // Control: written after the job ended, it approves.
    expect(await run("sec", false, undefined, new Date(Date.now() + 1_000).toISOString())).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
  });

  it("answers when policies are off, or there is no current plan", async () => {
    const off = await fakeJobDeps();
    off.vcs.setPullRequest();
    await runJob(approveJob("sec"), off);
    expect(off.vcs.bodiesOn(1).join("")).toContain("Policy checks are not configured on this Sluice server");

    const { deps, run } = await setup(failed("a"));
    deps.vcs.setPullRequest({ author: "alice", headSha: "n".repeat(40) });
    expect(await run("sec")).toContain("Nothing to approve: this pull request has no current plan");
  });
});
