import type {
  ApplyOutcome,
  ApplyRequest,
  Exec,
  OutputsOutcome,
  PlanOutcome,
  Runner,
  StateOutcome,
  StateRequest,
} from "../../runners/runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import type { GatePass } from "../gate/decide.js";
import { applyThroughGate, changeStateThroughGate } from "../gate/through-gate.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Secrets } from "../job-context/secrets.js";
import type { CredentialPhase } from "../model/credentials.js";
import type { Job } from "../model/job.js";
import type { Project } from "../model/project.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { projectDirProblem } from "../workspace/project-dir.js";
import { projectRunnerApply } from "./project-runner-apply.js";
import { projectRunnerOutputs } from "./project-runner-outputs.js";
import { projectRunnerPlan } from "./project-runner-plan.js";
import { projectRunnerState } from "./project-runner-state.js";
import { runCredentials, runWithCredentials } from "./run-credentials.js";
import { sandboxedExec } from "./sandboxed-exec.js";
import { holdOn, holdReason } from "./state-holds.js";

export type { ApplyAt, ApplyRecord, Claims, PlanAt, StateAt, ToolAt, ToolRun } from "./tool-run-requests.js";
import { type ApplyAt, type Claims, failed, type PlanAt, refused, type StateAt, type ToolAt, type ToolRun } from "./tool-run-requests.js";

/**
 * The one place a project's tools start, for every road: PR plans and applies, re-plans at merge,
 * merge queues, previews, drift checks and applies, `/import` and `/state rm`, producers' outputs.
 * It finds the runner and checks the project's dir, builds the request, mounts into the sandbox
 * what the request names (writable: the checkouts and the data dir; read-only: the kubeconfig and
 * the policy sets), gives plans the plan credentials and applies the apply credentials minted from
 * the gate's pass, redacts with the job's secrets as they are when output arrives, and keeps an
 * apply's records in one order. Built once per job, after its settings are known.
 */
export interface ProjectRunner {
  /**
   * Why the project cannot run here (no runner, its dir missing or outside the checkout, held
   * over a state terraform could not save unless `heldOk`: the push of that state); before a lock is taken.
   */
  check(project: Project, checkoutDir: string, heldOk?: boolean): Promise<Extract<ToolRun<never>, { ok: false }> | undefined>;
  plan(project: Project, at: PlanAt): Promise<ToolRun<Extract<PlanOutcome, { ok: true }>>>;
  apply(
    pass: GatePass,
    project: Project,
    at: ApplyAt,
  ): Promise<ToolRun<ApplyOutcome & { ok: true }> & { sensitiveValues: string[]; output: string }>;
  state(pass: GatePass, project: Project, at: StateAt): Promise<ToolRun<Extract<StateOutcome, { ok: true }>> & { output: string }>;
  outputs(project: Project, at: ToolAt & { onOutput?: (chunk: string) => void }): Promise<ToolRun<Extract<OutputsOutcome, { ok: true }>>>;
}

export interface ProjectRunnerContext {
  deps: JobDeps;
  job: Pick<Job, "id" | "target">;
  /** For an apply's records (its Deployment); a job that only plans may have none. */
  vcs?: VcsClient;
  settings: RepoSettings;
  secrets: Secrets;
}

const present = (list: (string | undefined)[]) => list.filter((p): p is string => typeof p === "string" && p.length > 0);

const phaseOf = (preview: boolean | undefined, apply: boolean): CredentialPhase =>
  preview ? (apply ? "preview-apply" : "preview-plan") : apply ? "apply" : "plan";

/** Whose apply credentials a run mints, and where it notes the identity they carry. */
interface Minting {
  project: Project;
  preview: boolean | undefined;
  claims: ApplyAt["claims"];
  seen: { identity?: string };
}

/**
 * What every road of a run goes through: the sandbox, the credentials and the gate's doors. They
 * are opened here and nowhere else (test/unit/gate-roads); the roads, each in its own file
 * (project-runner-plan, -apply, -state, -outputs), get them from createProjectRunner only.
 */
export type RunDoors = ReturnType<typeof runDoors>;

function runDoors(ctx: ProjectRunnerContext) {
  const { deps, job, settings, secrets } = ctx;
  // Read when output arrives: credentials and sensitive values join the secrets after the request is
  // built. Its `secrets` too: live output holds back a multi-line secret by them (liveRedactor).
  const redact = Object.defineProperty((text: string) => secrets.redact(text), "secrets", { get: () => secrets.redact.secrets });

  /** Apply credentials exist only once the gate admitted the pass, and only for the run it opens. */
  const mintFor =
    ({ project, preview, claims, seen }: Minting) =>
    async (pass: GatePass) => {
      const prepared = await runCredentials(deps, settings, secrets, project, phaseOf(preview, true), await claims(pass));
      if (prepared.ok) seen.identity = prepared.creds.identity || undefined;
      return prepared;
    };

  return {
    ctx,
    redact,
    /** `heldOk`: the one run a held project takes, the push of its kept state. */
    async prepare(project: Project, checkoutDir: string, heldOk = false): Promise<{ runner: Runner } | ReturnType<typeof failed>> {
      const runner = deps.tools.runners[project.runner];
      if (!runner) return failed("runner", `no runner for ${project.runner} projects on this server`);
      const problem = await projectDirProblem(checkoutDir, project.dir);
      if (problem) return failed("checkout", problem);
      const hold = heldOk ? undefined : await holdOn(ctx, project);
      if (hold) return refused("held", holdReason(hold, project, settings));
      return { runner };
    },
    sandbox(project: Project, writable: (string | undefined)[], readable: (string | undefined)[]) {
      return sandboxedExec(deps, job, project, { writable: present(writable), readable: present(readable), settings });
    },
    /** A plan's run with the plan credentials, removed when it ends. */
    async withPlanCredentials<T>(
      project: Project,
      preview: boolean | undefined,
      claims: Claims,
      exec: Exec,
      run: (exec: Exec) => Promise<T>,
    ) {
      const prepared = await runCredentials(deps, settings, secrets, project, phaseOf(preview, false), claims);
      return runWithCredentials(prepared, exec, run);
    },
    gateApply: (pass: GatePass, runner: Runner, req: ApplyRequest, exec: Exec, minting: Minting) =>
      applyThroughGate(pass, runner, req, exec, mintFor(minting)),
    gateStateChange: (pass: GatePass, runner: Runner, req: StateRequest, exec: Exec, minting: Minting) =>
      changeStateThroughGate(pass, runner, req, exec, mintFor(minting)),
  };
}

export function createProjectRunner(ctx: ProjectRunnerContext): ProjectRunner {
  const doors = runDoors(ctx);
  return {
    async check(project, checkoutDir, heldOk) {
      const ready = await doors.prepare(project, checkoutDir, heldOk);
      return "runner" in ready ? undefined : ready;
    },
    plan: projectRunnerPlan(doors),
    apply: projectRunnerApply(doors),
    state: projectRunnerState(doors),
    outputs: projectRunnerOutputs(doors),
  };
}

/**
 * The sandbox of a workflow hook: hooks belong to no project and run before a job's settings are
 * read (a pre hook may change the config), so the repository's own network rule decides.
 */
export function hookSandbox(
  deps: Pick<JobDeps, "tools">,
  job: Pick<Job, "target">,
  name: string,
  checkoutDir: string,
  network: Pick<RepoSettings, "networkFor">,
) {
  return sandboxedExec(deps, job, { name, dir: ".", workspace: "default" }, { writable: [checkoutDir], settings: network });
}
