import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decide, type GatePass, isGatePass } from "../../src/gate/decide.js";
import type { GateFacts } from "../../src/gate/gate-facts.js";
import { requirementFacts } from "../../src/gate/requirement-facts.js";
import { checkPause, checkRule, ROAD_RULES } from "../../src/gate/gate-rules.js";
import { applyThroughGate, changeStateThroughGate } from "../../src/gate/through-gate.js";
import { type GateRule, PR_ROADS, ROADS, type Road } from "../../src/model/gate.js";
import type { PlanContent, PlanRules } from "../../src/model/plan-content.js";
import { ALLOWED, refuse } from "../../src/policy/decision.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

const prFacts = {
  commenter: "bob",
  commenterPermission: "write" as const,
  allowedByServer: false,
  author: "alice",
  headSha: A,
  reviews: [{ user: "carol", state: "APPROVED" as const, commitId: A, submittedAt: "2026-01-01T00:00:10Z" }],
  permissions: new Map([["carol", "write" as const]]),
  mergeable: { ok: true as const },
  undiverged: true,
  headPush: { sha: A, known: true as const, pushers: ["alice"] },
};

/** A plan's content: by default one update of `terraform_data.app`. */
function content(parts: Partial<PlanContent> = {}): PlanContent {
  return {
    empty: false,
    counts: { create: 0, update: 1, delete: 0, replace: 0, read: 0, forget: 0 },
    changes: 1,
    destroys: [],
    replaces: [],
    moves: [],
    types: ["terraform_data"],
    attributes: { "terraform_data.app": ["input", "output"] },
    onlyTags: false,
    outputs: [],
    destroyPlan: false,
    ...parts,
  };
}
const DB = { address: "module.data.aws_db_instance.main", type: "aws_db_instance" };
const rules = (r: Partial<PlanRules> = {}): PlanRules => ({
  protect: [{ pattern: "aws_db_instance.*", source: "server config" }],
  owners: ["root", "acme/dba"],
  ...r,
});

/** Facts under which every rule of `road` passes. */
function passing(road: Road): GateFacts {
  const pr = PR_ROADS.has(road);
  const state = road === "import" || road === "state-rm" || road === "state-push";
  return {
    road,
    repo: "acme/infra",
    project: "net",
    number: road === "reconcile" ? 0 : 7,
    actor: road === "reconcile" ? "sluice" : "bob",
    pause: undefined,
    actorAllowed: ALLOWED,
    window: { open: true },
    plan: state
      ? undefined
      : {
          madeFor: { headSha: A, baseSha: pr ? B : undefined },
          live: { headSha: A, baseSha: pr && road !== "merge" ? B : undefined },
          clickedSha: road === "button" ? A : undefined,
          stillPending: true,
          file: { ok: true },
          replan: "Plan again.",
          headOf: pr ? "pull request" : "default branch",
        },
    lock: pr ? { road: "pr", held: true } : { road: "drift", heldByPr: undefined },
    changedByPr: state ? true : undefined,
    requirements: pr
      ? requirementFacts({ requirements: ["approved"], approvalsNeeded: 1, facts: prFacts, approvalsFrom: "2026-01-01T00:00:05Z" })
      : undefined,
    destroy: { destroys: true, allowed: true, what: "destroys without allow_destroy" },
    policies: state ? undefined : { passed: true },
    driftPause: undefined,
    planRules: state ? undefined : { content: content(), rules: rules() },
    agents: { actor: false },
  };
}

/** The same facts with exactly `rule` broken, and a phrase its refusal must contain. */
const BREAK: Record<GateRule, { change: (f: GateFacts) => GateFacts; says: string }> = {
  pause: {
    change: (f) => ({ ...f, pause: { by: "root", reason: "incident 42", at: "2026-03-04T05:06:07.000Z" } }),
    says: "Applies are paused on this Sluice server (by root at 2026-03-04 05:06 UTC: incident 42)",
  },
  actor: { change: (f) => ({ ...f, actorAllowed: refuse("@rita needs write access") }), says: "@rita needs write access" },
  permission: {
    change: (f) => ({ ...f, permission: refuse("the server's permissions rule `acme/*:net` lets only `@sre` apply this project") }),
    says: "permissions rule `acme/*:net`",
  },
  window: {
    change: (f) => ({ ...f, window: { open: false, why: "a change freeze is on (year end)", opensAt: "2027-01-03 00:00 UTC" } }),
    says: "outside the apply window: a change freeze is on (year end); it may next be applied from 2027-01-03 00:00 UTC",
  },
  plan: {
    change: (f) => ({ ...f, plan: f.plan && { ...f.plan, live: { ...f.plan.live, headSha: C } } }),
    says: "ccccccc",
  },
  inputs: {
    change: (f) => ({ ...f, inputs: { stale: [{ from: "network.vpc_id", producer: "network", notApplied: false }] } }),
    says: "inputs from network.vpc_id changed since this plan (network was applied); re-plan with /plan -p net",
  },
  changed: { change: (f) => ({ ...f, changedByPr: false }), says: "does not change the project" },
  "asked-before-head": {
    change: (f) => ({
      ...f,
      askedBeforeHead: { command: "/import", headSha: C, askedAt: "2026-01-01T00:00:04Z", pushedAt: "2026-01-01T00:00:05Z" },
    }),
    says: "this `/import` was written at 2026-01-01 00:00:04 UTC, before the head commit ccccccc was pushed at 2026-01-01 00:00:05 UTC: it never saw what it would change. Comment `/import` again to run it.",
  },
  lock: {
    change: (f) => ({ ...f, lock: f.lock.road === "pr" ? { road: "pr", held: false, heldByPr: 12 } : { road: "drift", heldByPr: 12 } }),
    // #12 may be closed already, keeping the lock after a failed apply: closing it frees nothing.
    says: "keeps it until `/unlock`",
  },
  requirements: {
    change: (f) => ({
      ...f,
      requirements: f.requirements && requirementFacts({ ...f.requirements, approvalsFrom: "2026-01-01T00:00:20Z" }),
    }),
    says: "needs 1 more approval",
  },
  destroy: {
    change: (f) => ({ ...f, destroy: { destroys: true, allowed: false, what: "destroys without allow_destroy" } }),
    says: "allow_destroy",
  },
  policies: {
    change: (f) => ({
      ...f,
      policies: {
        passed: false,
        blocking: [{ name: "no_public", reason: "failed", approvals: 0, needed: 1, owners: { users: ["sec"], teams: [] } }],
      },
    }),
    says: "policy set `no_public` failed",
  },
  verified: {
    change: (f) => ({ ...f, verifiedHead: refuse("the default branch head aaaaaaa is not verified by GitHub") }),
    says: "is not verified by GitHub",
  },
  "drift-pause": { change: (f) => ({ ...f, driftPause: { actor: "carol", reason: "migrating" } }), says: "paused by carol (migrating)" },
  agent: {
    change: (f) => ({ ...f, agents: { actor: true } }),
    says: "is an agent (server setting `agents`): an agent may open pull requests and plan, never apply",
  },
  protect: {
    change: (f) => ({ ...f, planRules: { content: content({ replaces: [DB] }), rules: rules() } }),
    says: "protected: the plan replaces `module.data.aws_db_instance.main` (protect: `aws_db_instance.*`); it needs an owner's override, `/apply --override-protect -- REASON` by one of `root`, `acme/dba`",
  },
};

const cells = ROADS.flatMap((road) => ROAD_RULES[road].map((rule) => ({ road, rule })));

describe("the gate: every road through every rule", () => {
  it.each(ROADS)("%s: allowed when every rule passes, with a pass for the project", (road) => {
    const d = decide(passing(road));
    expect(d.allowed).toBe(true);
    if (d.allowed) {
      expect(isGatePass(d.pass)).toBe(true);
      expect(d.pass).toMatchObject({ road, project: "net" });
    }
  });

  it.each(cells)("$road is refused by rule $rule", ({ road, rule }) => {
    const { change, says } = BREAK[rule];
    const d = decide(change(passing(road)));
    expect(d).toMatchObject({ allowed: false, rule, road });
    expect(d.allowed ? "" : d.reasons.join(" ")).toContain(says);
  });

  it("every road takes the pause, who asked and the lock; every road that applies a plan takes its policy checks", () => {
    for (const road of ROADS) {
      const rules = ROAD_RULES[road];
      expect(rules.slice(0, 2)).toEqual(["pause", "actor"]);
      // A window does not hold back a preview's teardown (a frozen preview is a leak), nor the push
      // of a kept state (it records what an apply already did in the cloud).
      const unwindowed = road === "preview-destroy" || road === "state-push";
      expect(rules).toEqual(expect.arrayContaining(unwindowed ? ["lock"] : ["lock", "window"]));
      if (rules.includes("plan")) expect(rules).toContain("policies");
      // A state command on a PR takes the PR's requirements; one that is not a push also needs the PR to change the project.
      else expect(rules).toEqual(expect.arrayContaining(road === "state-push" ? ["requirements"] : ["changed", "requirements"]));
      if (PR_ROADS.has(road)) expect(rules).toContain("requirements");
    }
    // Pull mode's roads get the pause and policy checks as PRs do.
    // A teardown is held on both drift roads as on a pull request's (`allow_destroy`, the `destroy:` rule).
    expect(ROAD_RULES["drift-issue"]).toEqual(expect.arrayContaining(["pause", "policies", "destroy"]));
    expect(ROAD_RULES.reconcile).toEqual(expect.arrayContaining(["pause", "policies", "destroy", "drift-pause"]));
    // Previews: never the PR requirements (a preview is what reviewers look at), always the pause and the plan.
    for (const road of ["preview-apply", "preview-destroy", "scheduled-destroy"] as const) {
      expect(ROAD_RULES[road]).toEqual(expect.arrayContaining(["pause", "plan", "lock"]));
      expect(ROAD_RULES[road]).not.toContain("requirements");
    }
    expect(ROAD_RULES["preview-apply"]).toContain("window");
    // Rules that read the plan: every road that applies a plan takes `protect` (a preview's
    // teardown destroys only the pull request's own copy, which no one could override once it
    // closed); every road a person or an App asks by takes `agent` (a reconcile too: a `/drift`
    // comment asks for one; a scheduled one has no asker, and its facts name no agent).
    for (const road of ROADS) {
      const rules = ROAD_RULES[road];
      if (rules.includes("plan") && road !== "preview-destroy") expect(rules, road).toContain("protect");
      const askedBySomeone = !["preview-destroy", "scheduled-destroy"].includes(road);
      expect(rules.includes("agent"), road).toBe(askedBySomeone);
    }
    // A `-destroy` plan's own rule rides on `destroy`, on the roads that apply a pull request's plan.
    for (const road of ["comment", "button", "merge"] as const) expect(ROAD_RULES[road]).toContain("destroy");
  });

  it("a rule a road does not take does not stop it (reconcile has no reviews; a drift issue no requirements)", () => {
    const broken = BREAK.requirements.change(passing("drift-issue"));
    expect(checkRule("requirements", { ...broken, requirements: undefined }).allowed).toBe(false);
    expect(decide({ ...passing("drift-issue"), requirements: undefined }).allowed).toBe(true);
  });

  it("the approvals are counted once, into the requirement facts, and the requirement and the pass both read that count", () => {
    const f = passing("comment");
    const r = f.requirements as NonNullable<GateFacts["requirements"]>;
    expect(r.counted.approvers).toEqual(["carol"]);
    const d = decide(f);
    expect(d.allowed && d.pass.approvers).toEqual(["carol"]);
    // A count that left carol out is what every consumer reads: the requirement refuses, nothing counted.
    const none = { ...f, requirements: { ...r, counted: { approvers: [], ignored: [{ user: "carol", why: "has no write access" }] } } };
    const refused = decide(none);
    expect(refused.allowed ? "" : refused.reasons.join(" ")).toContain("needs 1 more approval");
    expect(decide({ ...none, requirements: { ...none.requirements, requirements: [] } })).toMatchObject({
      allowed: true,
      pass: { approvers: [] },
    });
  });

  it("approvals count from an identical earlier plan, and the refusal says what changed when the plan differs", () => {
    const f = passing("comment");
    const r = f.requirements as NonNullable<GateFacts["requirements"]>;
    const late = {
      ...f,
      requirements: requirementFacts({ ...r, approvalsFrom: "2026-01-01T00:00:20Z", changedSinceEarlier: "new: create `a.b`" }),
    };
    const d = decide(late);
    expect(d.allowed ? "" : d.reasons.join()).toContain("@carol approved before this plan was made");
    expect(d.allowed ? "" : d.reasons.join()).toContain("the plan changed since: new: create `a.b`");
  });

  it("an admin's `--override-window` opens a closed window for one apply; anyone else's is refused and told why", () => {
    const closed = BREAK.window.change(passing("comment"));
    expect(decide({ ...closed, override: { by: "root", reason: "hotfix", admin: true } }).allowed).toBe(true);
    const d = decide({ ...closed, override: { by: "bob", reason: "hotfix", admin: false } });
    expect(d.allowed ? "" : d.reasons.join()).toContain("is for this server's admins only, and @bob is not one");
  });

  it("the button applies only the plan of the check it was on", () => {
    const f = passing("button");
    const d = decide({ ...f, plan: f.plan && { ...f.plan, clickedSha: C } });
    expect(d.allowed ? "" : d.reasons.join()).toContain("the button was on the check of ccccccc");
  });

  it("the button applies only the plans its check shows (control: one it shows passes)", () => {
    const f = passing("button");
    const d = decide({ ...f, plan: f.plan && { ...f.plan, onClickedCheck: false } });
    expect(d.allowed ? "" : d.reasons.join()).toContain("this plan is not the one the clicked `sluice/plan` check shows");
    expect(decide({ ...f, plan: f.plan && { ...f.plan, onClickedCheck: true } }).allowed).toBe(true);
  });

  it("a comment's /apply written before another made the plan is refused, naming both times and who planned", () => {
    const f = passing("comment");
    const late = { askedAt: "2026-01-01T00:00:04Z", plannedAt: "2026-01-01T00:00:05.300Z", by: "bob" };
    const d = decide({ ...f, plan: f.plan && { ...f.plan, askedBeforePlan: late } });
    expect(d).toMatchObject({ allowed: false, rule: "plan" });
    expect(d.allowed ? "" : d.reasons.join()).toContain(
      "this `/apply` was written at 2026-01-01 00:00:04 UTC, before this plan was made at 2026-01-01 00:00:05 UTC by @\u200bbob: it never saw what it would apply",
    );
  });

  it("a comment's /apply of a plan whose job still runs is refused, saying its comment is not posted yet", () => {
    const f = passing("comment");
    const late = { askedAt: "2026-01-01T00:00:30Z", plannedAt: "2026-01-01T00:00:05.300Z", by: "bob", notShown: true as const };
    const d = decide({ ...f, plan: f.plan && { ...f.plan, askedBeforePlan: late } });
    expect(d).toMatchObject({ allowed: false, rule: "plan" });
    expect(d.allowed ? "" : d.reasons.join()).toContain(
      "whose plan job is still running: its comment, which shows the plan, is not posted yet",
    );
  });

  it("a comment's /apply written before its plan was shown (its job's end) is refused, naming when it was shown", () => {
    const f = passing("comment");
    const late = { askedAt: "2026-01-01T00:00:30Z", plannedAt: "2026-01-01T00:00:05.300Z", by: "bob", shownAt: "2026-01-01T00:00:40Z" };
    const d = decide({ ...f, plan: f.plan && { ...f.plan, askedBeforePlan: late } });
    expect(d.allowed ? "" : d.reasons.join()).toContain(
      "before this plan (made at 2026-01-01 00:00:05 UTC by @\u200bbob) was shown at 2026-01-01 00:00:40 UTC, when its plan job ended and posted it",
    );
  });

  it("says who paused and why", () => {
    expect(checkPause(undefined)).toEqual(ALLOWED);
    const d = checkPause({ by: "root", reason: " incident 42 ", at: "2026-03-04T05:06:07.000Z" });
    expect(!d.allowed && d.reasons[0]).toBe(
      "Applies are paused on this Sluice server (by root at 2026-03-04 05:06 UTC: incident 42). Nothing was applied; comment `/apply` again once an admin resumes them.",
    );
  });
});

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("the gate is structural: nothing changes infrastructure without its pass", () => {
  it("no source file but src/gate/through-gate.ts calls a runner's apply or state", () => {
    const calls = /\b\w*[Rr]unner\??\.(apply|state)\??\.?\(|\.state\?\.\(/;
    const files = ["src", "runners"].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts"))
        .map((e) => relative(ROOT, join(e.parentPath, e.name))),
    );
    const offenders = files.filter((f) => calls.test(readFileSync(join(ROOT, f), "utf8")));
    // runners/missing-tool.ts wraps each runner (it is what through-gate.ts calls), it never starts an apply of its own.
    expect(offenders.sort()).toEqual(["runners/missing-tool.ts", "src/gate/through-gate.ts"]);
  });

  it("one project runner: only src/tool-runs/project-runner.ts opens a sandbox, mints credentials or goes through the gate's doors", () => {
    const doors = /\b(sandboxedExec|runCredentials|runWithCredentials|applyThroughGate|changeStateThroughGate)\(/;
    const files = ["src", "runners"].flatMap((d) =>
      readdirSync(join(ROOT, d), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts"))
        .map((e) => relative(ROOT, join(e.parentPath, e.name))),
    );
    const callers = files.filter((f) => doors.test(readFileSync(join(ROOT, f), "utf8")));
    expect(callers.sort()).toEqual([
      // Where they are defined.
      "src/gate/through-gate.ts",
      "src/tool-runs/project-runner.ts",
      "src/tool-runs/run-credentials.ts",
      "src/tool-runs/sandboxed-exec.ts",
    ]);
  });

  it("refuses a forged pass and a pass for another project, before the tool is called", async () => {
    let called = 0;
    const runner = {
      kind: "terraform" as const,
      plan: async () => {
        throw new Error("unused");
      },
      apply: async () => {
        called++;
        return { ok: true as const, output: "", durationMs: 0, sensitiveValues: [] };
      },
      state: async () => {
        called++;
        return { ok: true as const, output: "", durationMs: 0 };
      },
    };
    const project = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };
    const req = { project, checkoutDir: "/x", dataDir: "/x", planFile: "/x/p", env: {}, timeoutMs: 1, redactWith: () => (t: string) => t };
    const forged = { road: "comment", repo: "acme/infra", project: "net", number: 7, actor: "bob" } as unknown as GatePass;
    expect(() => applyThroughGate(forged, runner, req, async () => ({ exitCode: 0, output: "" }) as never)).toThrow(
      "without the gate's decision",
    );
    const other = decide({ ...passing("comment"), project: "prod" });
    if (!other.allowed) throw new Error("expected a pass");
    expect(() => applyThroughGate(other.pass, runner, req, async () => ({}) as never)).toThrow("not net");
    const apply = decide(passing("comment"));
    if (!apply.allowed) throw new Error("expected a pass");
    const stateReq = {
      project,
      checkoutDir: "/x",
      dataDir: "/x",
      operation: { kind: "rm" as const, addresses: ["a.b"] },
      env: {},
      timeoutMs: 1,
      redact: (t: string) => t,
    };
    expect(() => changeStateThroughGate(apply.pass, runner, stateReq, async () => ({}) as never)).toThrow("does not open a state change");
    expect(called).toBe(0);
    await applyThroughGate(apply.pass, runner, req, async () => ({}) as never);
    expect(called).toBe(1);
  });
});

describe("the gate's plan rules: protect, destroy, auto_approve, agents", () => {
  const reasons = (d: ReturnType<typeof decide>) => (d.allowed ? "" : d.reasons.join(" "));
  const protectedReplace = (f: GateFacts): GateFacts => BREAK.protect.change(f);

  it("an owner's `--override-protect` lets the protected change through; anyone else's is refused and told why", () => {
    const f = protectedReplace(passing("comment"));
    const p = f.planRules as NonNullable<GateFacts["planRules"]>;
    expect(decide({ ...f, planRules: { ...p, overrideProtect: { by: "root", reason: "migrating to aurora", owner: true } } }).allowed).toBe(
      true,
    );
    const d = decide({ ...f, planRules: { ...p, overrideProtect: { by: "bob", reason: "please", owner: false } } });
    expect(reasons(d)).toContain("@\u200bbob is not an owner");
  });

  it("protects destroys as well as replaces, and nothing else; no pattern, no refusal", () => {
    const f = passing("merge");
    const withContent = (c: PlanContent, r: PlanRules = rules()) => decide({ ...f, planRules: { content: c, rules: r } });
    expect(reasons(withContent(content({ destroys: [DB] })))).toContain("destroys `module.data.aws_db_instance.main`");
    expect(withContent(content({ types: ["aws_db_instance"] })).allowed).toBe(true);
    expect(withContent(content({ replaces: [DB] }), rules({ protect: [] })).allowed).toBe(true);
  });

  it("fails closed: plan rules not gathered, or a plan that cannot be read where something is protected", () => {
    expect(decide({ ...passing("reconcile"), planRules: undefined })).toMatchObject({ allowed: false, rule: "protect" });
    const unreadable = decide({ ...passing("drift-issue"), planRules: { content: { unreadable: "no summary" }, rules: rules() } });
    expect(reasons(unreadable)).toContain("this plan could not be read (no summary)");
  });

  it("a `-destroy` plan under a `destroy:` rule needs its approvals from its teams, inside its window", () => {
    const destroy = { approvals: 2, teams: ["acme/sre"], source: "server config" };
    const f = passing("comment");
    const planRules = (approvers: string[], open: boolean) => ({
      content: content({ destroyPlan: true }),
      rules: rules({ protect: [], destroy }),
      destroy: {
        approvers,
        window: open
          ? { open: true as const }
          : { open: false as const, why: "it is outside `0 9 * * 1`", opensAt: "2026-01-05 09:00 UTC" },
      },
    });
    const few = decide({ ...f, planRules: planRules(["carol"], true) });
    expect(few).toMatchObject({ allowed: false, rule: "destroy" });
    expect(reasons(few)).toContain(
      "needs 2 approvals of the current commit from members of `acme/sre`, given after the plan (counted: @\u200bcarol); 1 more needed",
    );
    const closed = decide({ ...f, planRules: planRules(["carol", "dan"], false) });
    expect(reasons(closed)).toContain(
      "outside the destroy window: it is outside `0 9 * * 1`; a destroy may next be applied from 2026-01-05 09:00 UTC",
    );
    expect(decide({ ...f, planRules: planRules(["carol", "dan"], true) }).allowed).toBe(true);
    // Not a destroy plan: the rule has nothing to say.
    expect(decide({ ...f, planRules: { ...planRules([], false), content: content() } }).allowed).toBe(true);
  });

  describe("auto_approve and agents", () => {
    const unreviewed = (road: Road = "comment"): GateFacts => {
      const f = passing(road);
      const r = f.requirements as NonNullable<GateFacts["requirements"]>;
      return { ...f, requirements: requirementFacts({ ...r, facts: { ...r.facts, reviews: [] } }) };
    };
    const tagsOnly = (f: GateFacts, agents?: GateFacts["agents"]): GateFacts => ({
      ...f,
      agents,
      planRules: {
        content: content({ onlyTags: true, attributes: { "terraform_data.app": ["tags"] } }),
        rules: rules({ autoApprove: { when: ["only_tags"], source: "server config" } }),
      },
    });

    it("a met rule counts as the approvals; an unmet one says why, with the approvals still missing", () => {
      expect(decide(unreviewed()).allowed).toBe(false);
      expect(decide(tagsOnly(unreviewed())).allowed).toBe(true);
      const f = tagsOnly(unreviewed());
      const p = f.planRules as NonNullable<GateFacts["planRules"]>;
      const d = decide({ ...f, planRules: { ...p, content: content() } });
      expect(reasons(d)).toContain("needs 1 more approval");
      expect(reasons(d)).toContain("not auto-approved: none of `only_tags` holds");
    });

    it("only the approvals are waived: the policy checks and the other requirements still hold", () => {
      const f = tagsOnly(unreviewed());
      expect(decide({ ...f, policies: BREAK.policies.change(f).policies })).toMatchObject({ allowed: false, rule: "policies" });
      const r = f.requirements as NonNullable<GateFacts["requirements"]>;
      const conflicted = requirementFacts({
        ...r,
        requirements: ["approved", "mergeable"] as const,
        facts: { ...r.facts, mergeable: { ok: false as const, why: "it has merge conflicts" } },
      });
      expect(reasons(decide({ ...f, requirements: { ...conflicted, requirements: [...conflicted.requirements] } }))).toContain(
        "merge conflicts",
      );
    });

    it("an agent's pull request needs a human's approval whatever auto_approve says; a human's approval is accepted", () => {
      const f = tagsOnly(unreviewed(), { actor: false, proposedBy: "renovate[bot]" });
      const d = decide(f);
      expect(reasons(d)).toContain("proposed by the agent @\u200brenovate[bot]: it needs a human's approval of the current commit");
      const r = f.requirements as NonNullable<GateFacts["requirements"]>;
      const human = requirementFacts({ ...r, facts: { ...r.facts, reviews: prFacts.reviews } });
      expect(decide({ ...f, requirements: human }).allowed).toBe(true);
      // Even where the project requires no approval at all.
      expect(decide({ ...f, requirements: { ...r, requirements: [] } }).allowed).toBe(false);
    });

    it("an agent's approval never counts, and the refusal says so", () => {
      const f = unreviewed();
      const r = f.requirements as NonNullable<GateFacts["requirements"]>;
      const review = { user: "renovate[bot]", state: "APPROVED" as const, commitId: A, submittedAt: "2026-01-01T00:00:10Z" };
      const facts = { ...r.facts, reviews: [review], permissions: new Map([["renovate[bot]", "write" as const]]) };
      expect(decide({ ...f, requirements: requirementFacts({ ...r, facts }) }).allowed).toBe(true);
      const d = decide({ ...f, requirements: requirementFacts({ ...r, facts: { ...facts, agents: ["*[bot]"] } }) });
      expect(reasons(d)).toContain("@renovate[bot] is an agent (server setting `agents`), whose approval never counts");
    });
  });
});
