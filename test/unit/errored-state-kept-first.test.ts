import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Runner } from "../../runners/runner.js";
import { CLAIMS, NET, passFor, projectRunnerUnderTest } from "../fakes/project-runner-under-test.js";
import { testDir } from "../support/temp-dir.js";

/**
 * A state terraform could not save is in the store before anything else the apply records: the
 * store failing to write the apply's end (the same blip that made the backend refuse the state)
 * must not let the state go with the worktree.
 */
const STATE = Buffer.from('{"version":4,"serial":2,"lineage":"l-1","resources":[]}');

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
  const { deps, tools } = await projectRunnerUnderTest({ runners: { terraform: runner }, kind: "apply" });
  if (storeFails) {
    deps.store.recordApplyEnd = async () => {
      throw new Error("database is locked");
    };
  }
  const checkout = testDir("sluice-kept-first-");
  await mkdir(join(checkout, "net"));
  const ran = await tools
    .apply(passFor("comment"), NET, {
      checkoutDir: checkout,
      planFile: join(checkout, ".d/plan"),
      onOutput: () => undefined,
      claims: () => CLAIMS,
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
