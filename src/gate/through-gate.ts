import type { ApplyOutcome, ApplyRequest, Exec, Runner, StateOutcome, StateRequest } from "../../runners/runner.js";
import { type GatePass, isGatePass } from "./decide.js";

/**
 * The only place Sluice applies a plan: it takes the gate's pass for exactly this project, so no
 * road can reach a tool without a decision (test/unit/gate-roads.test.ts checks that nothing else
 * calls a runner's `apply` or `state`).
 */
export function applyThroughGate(pass: GatePass, runner: Runner, req: ApplyRequest, exec: Exec): Promise<ApplyOutcome> {
  admit(pass, req.project.name);
  return runner.apply(req, exec);
}

/** The only place Sluice changes state without a plan (`/import`, `/state rm`). */
export function changeStateThroughGate(pass: GatePass, runner: Runner, req: StateRequest, exec: Exec): Promise<StateOutcome> {
  admit(pass, req.project.name);
  if (pass.road !== "import" && pass.road !== "state-rm") throw new Error(`a ${pass.road} pass does not open a state change`);
  if (!runner.state) throw new Error(`${runner.kind} projects have no state`);
  return runner.state(req, exec);
}

function admit(pass: GatePass, project: string): void {
  // Faults, not refusals: reaching here without a real pass for this project is a bug in Sluice.
  if (!isGatePass(pass)) throw new Error("a change was attempted without the gate's decision");
  if (pass.project !== project) throw new Error(`the gate's pass is for project ${pass.project}, not ${project}`);
}
