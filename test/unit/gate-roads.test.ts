import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decide, type GatePass, isGatePass } from "../../src/gate/decide.js";
import type { GateFacts } from "../../src/gate/gate-facts.js";
import { checkPause, checkRule, ROAD_RULES } from "../../src/gate/gate-rules.js";
import { applyThroughGate, changeStateThroughGate } from "../../src/gate/through-gate.js";
import { type GateRule, PR_ROADS, ROADS, type Road } from "../../src/model/gate.js";
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
};

/** Facts under which every rule of `road` passes. */
function passing(road: Road): GateFacts {
  const pr = PR_ROADS.has(road);
  const state = road === "import" || road === "state-rm";
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
      ? { requirements: ["approved"], approvalsNeeded: 1, facts: prFacts, approvalsFrom: "2026-01-01T00:00:05Z" }
      : undefined,
    destroy: { destroys: true, allowed: true, what: "destroys without allow_destroy" },
    policies: state ? undefined : { passed: true },
    driftPause: undefined,
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
  lock: {
    change: (f) => ({ ...f, lock: f.lock.road === "pr" ? { road: "pr", held: false, heldByPr: 12 } : { road: "drift", heldByPr: 12 } }),
    says: "#12",
  },
  requirements: {
    change: (f) => ({ ...f, requirements: f.requirements && { ...f.requirements, approvalsFrom: "2026-01-01T00:00:20Z" } }),
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
      // A preview's teardown is the one road a window does not hold back (a frozen preview is a leak).
      expect(rules).toEqual(expect.arrayContaining(road === "preview-destroy" ? ["lock"] : ["lock", "window"]));
      if (rules.includes("plan")) expect(rules).toContain("policies");
      else expect(rules).toEqual(expect.arrayContaining(["changed", "requirements"]));
      if (PR_ROADS.has(road)) expect(rules).toContain("requirements");
    }
    // Pull mode's roads get the pause and policy checks as PRs do.
    expect(ROAD_RULES["drift-issue"]).toEqual(expect.arrayContaining(["pause", "policies"]));
    expect(ROAD_RULES.reconcile).toEqual(expect.arrayContaining(["pause", "policies", "destroy", "drift-pause"]));
    // Previews: never the PR requirements (a preview is what reviewers look at), always the pause and the plan.
    for (const road of ["preview-apply", "preview-destroy", "scheduled-destroy"] as const) {
      expect(ROAD_RULES[road]).toEqual(expect.arrayContaining(["pause", "plan", "lock"]));
      expect(ROAD_RULES[road]).not.toContain("requirements");
    }
    expect(ROAD_RULES["preview-apply"]).toContain("window");
  });

  it("a rule a road does not take does not stop it (reconcile has no reviews; a drift issue no requirements)", () => {
    const broken = BREAK.requirements.change(passing("drift-issue"));
    expect(checkRule("requirements", { ...broken, requirements: undefined }).allowed).toBe(false);
    expect(decide({ ...passing("drift-issue"), requirements: undefined }).allowed).toBe(true);
  });

  it("approvals count from an identical earlier plan, and the refusal says what changed when the plan differs", () => {
    const f = passing("comment");
    const r = f.requirements as NonNullable<GateFacts["requirements"]>;
    const late = { ...f, requirements: { ...r, approvalsFrom: "2026-01-01T00:00:20Z", changedSinceEarlier: "new: create `a.b`" } };
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
