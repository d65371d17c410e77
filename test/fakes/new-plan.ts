import type { NewPlan } from "../../src/store/store-records.js";

/**
 * A plan of project net (dir net, workspace default) of acme/infra's PR #1, as a job saves it;
 * `with` sets the fields a test cares about (its PR, job, head).
 */
export function newPlan(with_: Partial<NewPlan> & Pick<NewPlan, "jobId">): NewPlan {
  return {
    repo: "acme/infra",
    pr: 1,
    project: "net",
    dir: "net",
    workspace: "default",
    runner: "terraform",
    headSha: "a".repeat(40),
    baseSha: "b".repeat(40),
    planPath: "/nowhere",
    planHash: "f".repeat(64),
    summary: {
      add: 1,
      change: 0,
      destroy: 0,
      replace: 0,
      move: 0,
      import: 0,
      forget: 0,
      resources: [],
      moves: [],
      outputs: [],
      hasChanges: true,
    },
    ...with_,
  };
}
