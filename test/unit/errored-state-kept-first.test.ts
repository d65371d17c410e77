import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Runner } from "../../runners/runner.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { decide, type GatePass } from "../../src/gate/decide.js";
import { secretsFor } from "../../src/job-context/secrets.js";
import type { Job } from "../../src/model/job.js";
import type { Project } from "../../src/model/project.js";
import { createProjectRunner } from "../../src/tool-runs/project-runner.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";
import { NO_PLAN_RULES } from "../fakes/no-plan-rules.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A state terraform could not save is in the store before anything else the apply records: the
 * store failing to write the apply's end (the same blip that made the backend refuse the state)
 * must not let the state go with the worktree.
 */
const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };
const job = {
  id: 7,
  target: { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "https://x/acme/infra.git", pr: 3 },
  spec: { kind: "apply", trigger: "comment", actor: "alice" },
} as unknown as Job;
const claims = { repository: "acme/infra", pull_request: 3, head_sha: "a".repeat(40), base_ref: "main", actor: "alice" };
const STATE = Buffer.from('{"version":4,"serial":2,"lineage":"l-1","resources":[]}');

function pass(): GatePass {
  const d = decide({
    road: "comment",
    repo: "acme/infra",
    project: "net",
    number: 3,
    actor: "alice",
    pause: undefined,
    actorAllowed: { allowed: true },
    window: { open: true },
    lock: { road: "pr", held: true },
    changedByPr: true,
    requirements: { requirements: [], approvalsNeeded: 0, facts: {} as never },
    plan: {
      madeFor: { headSha: "a" },
      live: { headSha: "a" },
      stillPending: true,
      file: { ok: true },
      replan: "",
      headOf: "pull request",
    },
    policies: { passed: true },
    destroy: { destroys: false, allowed: true, what: "" },
    planRules: NO_PLAN_RULES,
  } as never);
  if (!d.allowed) throw new Error(`expected a pass: ${d.reasons.join("; ")}`);
  return d.pass;
}

async function applyLeavingState(storeFails: boolean) {
  const runner: Runner = {
    kind: "terraform",
    plan: async () => ({ ok: false, failedStep: "plan", message: "", output: "", durationMs: 0 }),
    apply: async () => ({
      ok: false,
      message: "Error: Failed to save state",
      output: "",
      durationMs: 0,
      sensitiveValues: [],
      erroredState: STATE,
    }),
  };
  const deps = await fakeJobDeps({ runners: { terraform: runner } });
  deps.tools.sandbox = {
    ...deps.tools.sandbox,
    execFor: () => ({
      ok: true,
      exec: Object.assign(async () => ({ exitCode: 0, stdout: "", stderr: "", timedOut: false, durationMs: 0 }), {}),
    }),
  };
  if (storeFails) {
    deps.store.recordApplyEnd = async () => {
      throw new Error("database is locked");
    };
  }
  const settings = repoSettings(deps.config, "acme/infra", undefined, {}, [{ name: "net", dir: "net", workspace: "default" }]);
  const tools = createProjectRunner({ deps, job, vcs: deps.vcs, settings, secrets: secretsFor(deps) });
  const checkout = testDir("sluice-kept-first-");
  await mkdir(join(checkout, "net"));
  const ran = await tools
    .apply(pass(), project, {
      checkoutDir: checkout,
      planFile: join(checkout, ".d/plan"),
      onOutput: () => undefined,
      claims: () => claims,
      record: {
        planId: 0,
        markPlanUsed: false,
        live: { commitSha: "a".repeat(40), source: "pr", number: 3, actor: "alice", planHash: "h" },
      },
    })
    .catch((e: Error) => ({ threw: e.message }));
  const hold = await deps.store.openStateHold("acme/infra", "net", "default");
  return { ran, hold, kept: hold ? await deps.store.heldState(hold.id) : undefined };
}

describe("a state terraform could not save", () => {
  it("is kept even when the store then fails to record the apply's end", async () => {
    // Control: with the store well, it is kept and the project held.
    const well = await applyLeavingState(false);
    expect(well.hold).toBeDefined();
    expect(well.kept?.equals(STATE)).toBe(true);

    const failing = await applyLeavingState(true);
    expect(failing.hold).toBeDefined();
    expect(failing.kept?.equals(STATE)).toBe(true);
  });
});
