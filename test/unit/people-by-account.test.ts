import { describe, expect, it } from "vitest";
import { everyoneMayPlan, projectPermission } from "../../src/authorization/change-control-facts.js";
import { planPolicyFact } from "../../src/authorization/plan-policy-fact.js";
import { runJob } from "../../src/jobs/run-job.js";
import { configuredLogins } from "../../src/app/resolve-people-at-start.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { PolicyCheck } from "../../src/model/policy-check.js";
import { countApprovals } from "../../src/policy/count-approvals.js";
import { agentsByAccount, jobPeople } from "../../src/policy/named-people.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { runningJob } from "../fakes/fake-jobs.js";
import { fakeUserId } from "../fakes/fake-vcs.js";
import { summary } from "../golden/fixtures.js";

// The settings that name people beyond admins, apply_users and protect_owners: `permissions`
// rules' users, `policies` owners' users and `agents`, each matched by account id through the pins
// (a login its owner renamed away from is another account's once someone registers it).

const prod = { kind: "known", repo: "acme/infra", name: "prod", dir: "prod", workspace: "default" } as const;
const DEV = fakeUserId("dev");

describe("permissions by account id", () => {
  const config = 'permissions:\n  - { match: "acme/infra:prod", apply: [dev], plan: [dev], unlock: ["ops#4242"] }\n';

  it("attack: a permitted user renames and another account takes the login: refused to apply and plan; the user under the new login is allowed (control)", async () => {
    const deps = await fakeJobDeps({ serverConfig: config });
    expect((await projectPermission(deps, deps.vcs, prod, "apply", { login: "dev", id: DEV })).allowed).toBe(true);
    deps.vcs.userIds.set("dev", DEV + 1); // dev renamed to dev-2; another account registered "dev"
    const squatter = { login: "dev", id: DEV + 1 };
    expect((await projectPermission(deps, deps.vcs, prod, "apply", squatter)).allowed).toBe(false);
    expect((await everyoneMayPlan(deps, deps.vcs, prod, [squatter])).allowed).toBe(false);
    const renamed = { login: "dev-2", id: DEV };
    expect((await projectPermission(deps, deps.vcs, prod, "apply", renamed)).allowed).toBe(true);
    expect((await everyoneMayPlan(deps, deps.vcs, prod, [renamed])).allowed).toBe(true);
  });

  it("login#id names that account under any login; an asker whose id is not known is refused, and told why", async () => {
    const deps = await fakeJobDeps({ serverConfig: config });
    expect((await projectPermission(deps, deps.vcs, prod, "unlock", { login: "ops-renamed", id: 4242 })).allowed).toBe(true);
    expect((await projectPermission(deps, deps.vcs, prod, "unlock", { login: "ops", id: 4243 })).allowed).toBe(false);
    const unknown = await projectPermission(deps, deps.vcs, prod, "apply", { login: "dev" });
    expect(unknown.allowed).toBe(false);
    expect(unknown.allowed ? "" : unknown.reasons.join("")).toContain(
      "its users are matched by GitHub account id, and Sluice does not know @\u200bdev's here",
    );
  });
});

const POLICIES = [
  "agents: [ci-robot]",
  "policies:",
  "  policy_sets:",
  "    - { name: a, path: /p/a, source: local, owners: { users: [sec, ci-robot] } }",
  '    - { name: b, path: /p/b, source: local, owners: { users: ["audit#4242"] } }',
].join("\n");

const failed = (...names: string[]): PolicyCheck => ({
  sets: names.map((name) => ({ name, status: "failed" as const, successes: 0, failures: [`${name} says no`], warnings: [] })),
});

let comment = 1;
async function policySetup() {
  const deps = await fakeJobDeps({ serverConfig: POLICIES });
  const pr = deps.vcs.setPullRequest({ author: "alice" });
  const plan = await deps.store.savePlan(
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
      planHash: "sha256:one",
      summary: summary({ add: 1, hasChanges: true }),
      jobId: 1,
    },
    { sha256: "sha256:one", size: 0 },
  );
  await deps.store.savePolicyCheck({ repo: "acme/infra", pr: 1, planHash: plan.planHash }, failed("a", "b"));
  // Resolved at start, before any rename: each configured login names the account it had then.
  for (const login of ["sec", "ci-robot"]) await deps.store.pinPerson(login, fakeUserId(login));
  const approve = async (actor: string, actorId?: number) => {
    const before = deps.vcs.bodiesOn(1).length;
    const command = { kind: "approve_policies" as const, filter: {}, clear: false };
    const spec = { kind: "approve_policies" as const, command, commentId: 5000 + comment++, actor };
    await runJob(runningJob({ ...spec, ...(actorId !== undefined ? { actorId } : {}) }), deps);
    return deps.vcs.bodiesOn(1).slice(before).join("\n");
  };
  return { deps, plan, approve, fact: () => planPolicyFact(deps, deps.vcs, plan) };
}

describe("policies owners by account id", () => {
  it("attack: the account that took an owner's freed login approves nothing; the owner under the new login approves (control)", async () => {
    const { deps, approve, fact } = await policySetup();
    deps.vcs.userIds.set("sec", 999); // sec renamed to sec-2; account 999 registered "sec"
    expect(await approve("sec", 999)).toContain("not approved `a`: @sec is not one of its owners");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a", approvals: 0 }, { name: "b" }] });
    // An approval an older version recorded for the login, without an account id, is no owner's either.
    await deps.store.approvePolicies({ repo: "acme/infra", pr: 1, planHash: "sha256:one" }, "sec", ["a"], failed("a", "b"));
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a", approvals: 0 }, { name: "b" }] });

    expect(await approve("sec-2", fakeUserId("sec"))).toContain("@sec-2 approved 1 failed policy set");
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "b" }] });
    // login#id: that account approves under whatever login it has.
    expect(await approve("auditor", 4242)).toContain("policies pass now");
    expect(await fact()).toEqual({ passed: true });
  });

  it("an owner approving under two logins (before and after a rename) is one approval of a set that needs two", async () => {
    const { deps, plan, fact } = await policySetup();
    (deps.config.policies as { approve_count: number }).approve_count = 2;
    const key = { repo: "acme/infra", pr: 1, planHash: plan.planHash };
    await deps.store.approvePolicies(key, "sec", ["a"], failed("a", "b"), fakeUserId("sec"));
    await deps.store.approvePolicies(key, "sec-2", ["a"], failed("a", "b"), fakeUserId("sec"));
    expect(await fact()).toMatchObject({ passed: false, blocking: [{ name: "a", approvals: 1, needed: 2 }, { name: "b" }] });
  });

  it("a job without the commenter's account id (queued by an older version) approves nothing, and says why", async () => {
    const { approve } = await policySetup();
    expect(await approve("sec")).toContain("owners are matched by GitHub account id, and this job does not carry @sec's");
  });
});

describe("resolved at start", () => {
  it("the logins of permissions rules, policies owners and agents are pinned at start too; patterns, Apps and console principals are not logins", () => {
    const config = parseServerConfig(
      [
        'agents: [ci-robot, "*[bot]", "renovate[bot]", "pinned#5"]',
        "permissions:",
        '  - { match: "acme/infra", apply: [dev, acme/sre, "sso:corp:carol"], plan: [Dev, erin] }',
        "policies:",
        "  owners: { users: [sec] }",
        "  policy_sets:",
        "    - { name: a, path: /p/a, source: local, owners: { users: [audit] } }",
        "",
      ].join("\n"),
      "test",
    );
    expect(configuredLogins(config).sort()).toEqual(["audit", "ci-robot", "dev", "erin", "sec"]);
  });
});

describe("agents by account id", () => {
  it("an agent that renamed is still one: it approves nothing and its review does not count; a person's does (control)", async () => {
    const { deps, approve } = await policySetup();
    const robot = fakeUserId("ci-robot");
    deps.vcs.userIds.set("ci-robot", 777); // ci-robot renamed to ci-bot-2; account 777 took "ci-robot"
    expect(await approve("ci-bot-2", robot)).toContain("Not approved: @ci-bot-2 is an agent");
    expect(await approve("sec", fakeUserId("sec"))).toContain("@sec approved 1 failed policy set");

    const agents = await agentsByAccount(jobPeople(deps, deps.vcs), deps.config.agents);
    const review = (user: string, userId: number) => ({
      user,
      userId,
      state: "APPROVED" as const,
      commitId: "h",
      submittedAt: "2026-01-01T00:00:00Z",
    });
    const facts = {
      author: "alice",
      headSha: "h",
      permissions: new Map([
        ["ci-bot-2", "write" as const],
        ["bob", "write" as const],
      ]),
      agents,
    };
    expect(countApprovals([review("ci-bot-2", robot), review("bob", fakeUserId("bob"))], facts)).toMatchObject({
      approvers: ["bob"],
      ignored: [{ user: "ci-bot-2", why: "is an agent" }],
    });
    // Apps and patterns stay by name; a literal login by name too (an agent only has rights taken away).
    expect(agents).toEqual(["ci-robot", `ci-robot#${robot}`]);
  });
});
