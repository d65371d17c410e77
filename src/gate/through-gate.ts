import { credentialedExec } from "../../runners/credentialed-exec.js";
import type { ApplyOutcome, ApplyRequest, Exec, Runner, StateOutcome, StateRequest } from "../../runners/runner.js";
import type { RunCredentials } from "../model/credentials.js";
import { type GatePass, isGatePass } from "./decide.js";

/**
 * The apply credentials of one change, made from the gate's pass: they exist only once the gate
 * allowed this change, and only for the run it opens.
 */
export type ApplyCredentials = (pass: GatePass) => Promise<{ ok: true; creds: RunCredentials } | { ok: false; reason: string }>;

/**
 * The only place Sluice applies a plan: it takes the gate's pass for exactly this project, so no
 * road can reach a tool without a decision (test/unit/gate-roads.test.ts checks that nothing else
 * calls a runner's `apply` or `state`).
 */
export function applyThroughGate(
  pass: GatePass,
  runner: Runner,
  req: ApplyRequest,
  exec: Exec,
  credentials?: ApplyCredentials,
): Promise<ApplyOutcome> {
  admit(pass, req.project.name);
  return withCredentials(pass, exec, credentials, (e) => runner.apply(req, e), failedApply);
}

/** The only place Sluice changes state without a plan (`/import`, `/state rm`). */
export function changeStateThroughGate(
  pass: GatePass,
  runner: Runner,
  req: StateRequest,
  exec: Exec,
  credentials?: ApplyCredentials,
): Promise<StateOutcome> {
  admit(pass, req.project.name);
  if (pass.road !== "import" && pass.road !== "state-rm" && pass.road !== "state-push")
    throw new Error(`a ${pass.road} pass does not open a state change`);
  const state = runner.state?.bind(runner);
  if (!state) throw new Error(`${runner.kind} projects have no state`);
  return withCredentials<StateOutcome>(
    pass,
    exec,
    credentials,
    (e) => state(req, e),
    (message) => ({
      ok: false,
      failedStep: "credentials",
      message,
      output: "",
      durationMs: 0,
    }),
  );
}

// Credentials refused: the tool never started.
const failedApply = (message: string): ApplyOutcome => ({
  ok: false,
  message,
  output: "",
  durationMs: 0,
  sensitiveValues: [],
  untouched: true,
});

/** Mints after the pass was admitted, runs with them, and removes their files however the run ends. */
async function withCredentials<T>(
  pass: GatePass,
  exec: Exec,
  credentials: ApplyCredentials | undefined,
  run: (exec: Exec) => Promise<T>,
  refused: (reason: string) => T,
): Promise<T> {
  if (!credentials) return run(exec);
  const prepared = await credentials(pass);
  if (!prepared.ok) return refused(prepared.reason);
  try {
    return await run(credentialedExec(exec, prepared.creds));
  } finally {
    await prepared.creds.dispose();
  }
}

function admit(pass: GatePass, project: string): void {
  // Faults, not refusals: reaching here without a real pass for this project is a bug in Sluice.
  if (!isGatePass(pass)) throw new Error("a change was attempted without the gate's decision");
  if (pass.project !== project) throw new Error(`the gate's pass is for project ${pass.project}, not ${project}`);
}
