import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { prPlanRuleFacts } from "../../src/authorization/pr-gate-facts.js";
import { checkDestroyRule } from "../../src/gate/plan-rule-checks.js";
import { requirementFacts } from "../../src/gate/requirement-facts.js";
import type { Job } from "../../src/model/job.js";
import type { PlanRecord } from "../../src/store/store.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { fakePullRequest } from "../fakes/fake-vcs.js";
import { headPushOf } from "../../src/ingress/head-push-of.js";
import type { HeadPush } from "../../src/model/head-push.js";
import type { Permission, Review } from "../../src/model/pull-request.js";
import { type ApplyFacts, checkRequirements } from "../../src/policy/check-apply-policy.js";
import type { CodeOwnerFacts } from "../../src/policy/code-owners.js";
import { countApprovals } from "../../src/policy/count-approvals.js";
import { passFor } from "../fakes/project-runner-under-test.js";

const HEAD = "c0ffee1".padEnd(40, "0");
const approval = (user: string, commitId = HEAD): Review => ({ user, state: "APPROVED", commitId, submittedAt: "2026-01-01T10:00:00Z" });
const permissions = new Map<string, Permission>([
  ["bob", "write"],
  ["carol", "write"],
]);
const facts = (reviews: Review[], headPush: HeadPush = { sha: HEAD, known: true, pushers: ["alice"] }): ApplyFacts => ({
  commenter: "alice",
  commenterPermission: "write",
  allowedByServer: false,
  author: "alice",
  headSha: HEAD,
  reviews,
  permissions,
  mergeable: { ok: true },
  undiverged: true,
  headPush,
});
const pushedBy = (...pushers: string[]): HeadPush => ({ sha: HEAD, known: true, pushers });

describe("approval of the most recent push", () => {
  it.each([
    ["the head's pusher", [approval("bob")], pushedBy("bob"), []],
    ["the head's pusher, whatever the case of their login", [approval("Bob")], pushedBy("bob"), []],
    ["any of the head's pushers (a force-push back to it)", [approval("bob")], pushedBy("alice", "bob"), []],
    [
      "an unknown pusher's stand-in (the commit's author or committer)",
      [approval("bob")],
      { sha: HEAD, known: false, standIns: ["bob"] },
      [],
    ],
    ["control: someone else than the pusher", [approval("carol"), approval("bob")], pushedBy("bob"), ["carol"]],
    ["control: a pusher of an earlier commit only", [approval("bob")], pushedBy("alice"), ["bob"]],
    ["control: an unknown pusher with no stand-in", [approval("bob")], { sha: HEAD, known: false, standIns: [] }, ["bob"]],
    [
      "the head's pusher under a login renamed since (the same account id)",
      [{ ...approval("robert"), userId: 42 }],
      { sha: HEAD, known: true, pushers: ["bob"], pusherIds: [42] },
      [],
    ],
    [
      "control: another account (another id) than the renamed pusher",
      [{ ...approval("carol"), userId: 43 }],
      { sha: HEAD, known: true, pushers: ["bob"], pusherIds: [42] },
      ["carol"],
    ],
  ] as const)("does not count an approval by %s", (_, reviews, headPush, counted) => {
    expect(countApprovals(reviews, facts([...reviews], headPush)).approvers).toEqual(counted);
  });

  it("the refusal names the pusher, the commit and the rule", () => {
    const d = checkRequirements(["approved"], 1, facts([approval("bob")], pushedBy("bob")));
    expect(d.allowed).toBe(false);
    expect(d.allowed ? "" : d.reasons.join("\n")).toContain(
      "@bob pushed the head commit c0ffee1; an approval of the most recent push must come from someone else",
    );
  });

  it("the refusal for an unknown pusher says whose approval stood in for it", () => {
    const d = checkRequirements(["approved"], 1, facts([approval("bob")], { sha: HEAD, known: false, standIns: ["bob"] }));
    expect(d.allowed ? "" : d.reasons.join("\n")).toContain(
      "no push of the head commit c0ffee1 was heard of, so its author and committer stand in for its pusher: @bob",
    );
  });

  it("code_owners: an owner who pushed the head is not an owner's approval, and is told so", () => {
    const codeOwners: CodeOwnerFacts = {
      source: ".github/CODEOWNERS",
      rules: [{ pattern: "*", owners: ["@bob"], line: 1, match: () => true }],
      files: ["net/main.tf"],
      teamMembers: new Map(),
    };
    const refused = checkRequirements(["code_owners"], 1, facts([approval("bob")], pushedBy("bob")), {}, codeOwners);
    expect(refused.allowed ? "" : refused.reasons.join("\n")).toContain("@bob pushed the head commit c0ffee1");
    // Control: the owner approving a head someone else pushed.
    expect(checkRequirements(["code_owners"], 1, facts([approval("bob")], pushedBy("alice")), {}, codeOwners).allowed).toBe(true);
  });
});

describe("who pushed a head, from the webhook", () => {
  const payload = (action: string) => ({
    action,
    sender: { login: "bob" },
    repository: { owner: { login: "acme" }, name: "infra" },
    pull_request: { number: 7, head: { sha: HEAD } },
  });
  it("synchronize names its sender as the pusher of the new head", () => {
    expect(headPushOf("pull_request", payload("synchronize"))).toEqual({ repo: "acme/infra", pr: 7, sha: HEAD, pusher: "bob" });
  });
  it("and its account id, which a rename does not change (a non-number id is left out)", () => {
    const sent = (id: unknown) => headPushOf("pull_request", { ...payload("synchronize"), sender: { login: "bob", id } });
    expect(sent(42)).toMatchObject({ pusher: "bob", pusherId: 42 });
    expect(sent("42")).not.toHaveProperty("pusherId");
  });
  it.each(["opened", "reopened", "ready_for_review", "edited"])("%s says who acted, not who pushed: nothing", (action) => {
    expect(headPushOf("pull_request", payload(action))).toBeUndefined();
  });
  it("another event, or a payload without a sender or head: nothing", () => {
    expect(headPushOf("issue_comment", payload("synchronize"))).toBeUndefined();
    expect(headPushOf("pull_request", { ...payload("synchronize"), sender: {} })).toBeUndefined();
    expect(headPushOf("pull_request", { ...payload("synchronize"), pull_request: { number: 7 } })).toBeUndefined();
  });
});

describe("a destroy rule's approvals", () => {
  const shown = summarizePlan(readFileSync(new URL("../fixtures/terraform-plans/tf111_changes.json", import.meta.url), "utf8"));
  if (!shown.ok) throw new Error(shown.error);
  const summary = shown.summary;
  it("the head's pusher's approval is not counted, and the refusal says why (control: carol's is)", async () => {
    const deps = await fakeJobDeps();
    const reviews = [approval("bob"), approval("carol")];
    const requirements = requirementFacts({
      requirements: ["approved" as const],
      approvalsNeeded: 1,
      facts: facts(reviews, pushedBy("bob")),
    });
    const rules = { protect: [], owners: [], destroy: { approvals: 2, teams: [], source: "server config" } };
    const { planRules } = await prPlanRuleFacts(deps, deps.vcs, {
      job: { spec: { actor: "alice" } } as Job,
      pr: fakePullRequest({ headSha: HEAD }),
      plan: {
        repo: "acme/infra",
        project: "db",
        runner: "terraform",
        jobId: 1,
        summary: { ...summary, destroyPlan: true },
      } as unknown as PlanRecord,
      project: { name: "db", dir: "db", workspace: "default", runner: "terraform" },
      settings: { planRulesFor: () => rules },
      requirements,
    });
    expect(planRules?.destroy?.approvers).toEqual(["carol"]);
    const refused = checkDestroyRule(planRules);
    expect(refused.allowed ? "" : refused.reasons.join("\n")).toContain(
      "1 more needed (`destroy` rule from server config); @bob pushed the head commit c0ffee1; an approval of the most recent push must come from someone else",
    );
  });
});

describe("the approvers an apply names (its token's `approvers` claim, the live record, the audit)", () => {
  it("are the gate's counted ones: the head's pusher's approval is not among them (control: another's is)", () => {
    const counted = (pushers: string[]) =>
      passFor("comment", "net", {
        headSha: "a",
        reviews: [
          { user: "bob", state: "APPROVED", commitId: "a", submittedAt: "2026-01-01T10:00:00Z" },
          { user: "carol", state: "APPROVED", commitId: "a", submittedAt: "2026-01-01T10:00:00Z" },
        ],
        permissions,
        headPush: { sha: "a", known: true, pushers },
      }).approvers;
    expect(counted(["bob"])).toEqual(["carol"]);
    expect(counted(["alice"])).toEqual(["bob", "carol"]);
  });
});
