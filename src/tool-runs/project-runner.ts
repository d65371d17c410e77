import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ApplyOutcome, OutputsOutcome, PlanOutcome, Runner, StateOperation, StateOutcome } from "../../runners/runner.js";
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
import { recorded } from "./apply-records.js";
import { heldBackendReason, holdOn, holdOnBackend, holdReason, keepState, pushRefusal, releaseHold } from "./state-holds.js";
import { runCredentials, runWithCredentials } from "./run-credentials.js";
import { applyRequest, planRequest } from "./runner-request.js";
import { sandboxedExec } from "./sandboxed-exec.js";

export type { ApplyAt, ApplyRecord, Claims, PlanAt, StateAt, ToolAt, ToolRun } from "./tool-run-requests.js";
import type { ApplyAt, PlanAt, StateAt, ToolAt, ToolRun } from "./tool-run-requests.js";
import { keyPlanDigests } from "./key-plan-digests.js";

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

const refused = (failedStep: string, message: string) => ({ ok: false as const, refused: true, failedStep, message });
const failed = (failedStep: string, message: string) => ({ ok: false as const, refused: false, failedStep, message });
const present = (list: (string | undefined)[]) => list.filter((p): p is string => typeof p === "string" && p.length > 0);

export function createProjectRunner(ctx: ProjectRunnerContext): ProjectRunner {
  const { deps, job, settings, secrets } = ctx;
  // Read when output arrives: credentials and sensitive values join the secrets after the request is
  // built. Its `secrets` too: live output holds back a multi-line secret by them (liveRedactor).
  const redact = Object.defineProperty((text: string) => secrets.redact(text), "secrets", { get: () => secrets.redact.secrets });

  /** `heldOk`: the one run a held project takes, the push of its kept state. */
  async function prepare(project: Project, checkoutDir: string, heldOk = false): Promise<{ runner: Runner } | ReturnType<typeof failed>> {
    const runner = deps.tools.runners[project.runner];
    if (!runner) return failed("runner", `no runner for ${project.runner} projects on this server`);
    const problem = await projectDirProblem(checkoutDir, project.dir);
    if (problem) return failed("checkout", problem);
    const hold = heldOk ? undefined : await holdOn(ctx, project);
    if (hold) return refused("held", holdReason(hold, project, settings));
    return { runner };
  }

  function execFor(project: Project, writable: (string | undefined)[], readable: (string | undefined)[]) {
    return sandboxedExec(deps, job, project, { writable: present(writable), readable: present(readable), settings });
  }

  const phaseOf = (preview: boolean | undefined, apply: boolean): CredentialPhase =>
    preview ? (apply ? "preview-apply" : "preview-plan") : apply ? "apply" : "plan";

  /** Apply credentials exist only once the gate admitted the pass, and only for the run it opens. */
  const mintFor =
    (project: Project, preview: boolean | undefined, claims: ApplyAt["claims"], seen: { identity?: string }) => async (pass: GatePass) => {
      const prepared = await runCredentials(deps, settings, secrets, project, phaseOf(preview, true), await claims(pass));
      if (prepared.ok) seen.identity = prepared.creds.identity || undefined;
      return prepared;
    };

  return {
    async check(project, checkoutDir, heldOk) {
      const ready = await prepare(project, checkoutDir, heldOk);
      return "runner" in ready ? undefined : ready;
    },

    async plan(project, at) {
      const ready = await prepare(project, at.checkoutDir);
      if (!("runner" in ready)) return ready;
      const { runner } = ready;
      const { inputs, claims: _claims, preview: _preview, ...where } = at;
      const built = planRequest(
        { deps, settings, secrets },
        project,
        { ...where, baseCheckoutDir: runner.needsBase ? at.baseCheckoutDir : undefined },
        inputs,
      );
      if (!built.ok) return refused("settings", "reason" in built.result ? built.result.reason : "the plan could not be prepared");
      const req = { ...built.request, redact };
      const sandboxed = execFor(
        project,
        [req.checkoutDir, req.baseCheckoutDir, req.dataDir],
        [req.kubeconfig, ...(req.policyCheck?.sets.map((s) => s.path) ?? [])],
      );
      if (!sandboxed.ok) return refused("sandbox", sandboxed.reason);
      const prepared = await runCredentials(deps, settings, secrets, project, phaseOf(at.preview, false), at.claims);
      const ran = await runWithCredentials(prepared, sandboxed.exec, (exec) => runner.plan(req, exec));
      if (!ran.ok) return refused("credentials", ran.reason);
      const outcome = ran.value;
      const credentials = ran.identity || undefined;
      if (!outcome.ok)
        return { ...failed(outcome.failedStep, outcome.message), credentials, output: outcome.output, durationMs: outcome.durationMs };
      secrets.add(outcome.summary.sensitiveValues);
      const elsewhere = await holdOnBackend(ctx, project, outcome.backend);
      if (elsewhere) return { ...refused("held", heldBackendReason(elsewhere, project)), credentials, output: outcome.output };
      return { ok: true, value: keyPlanDigests(outcome, deps.planKey), credentials };
    },

    async apply(pass, project, at) {
      const none = { sensitiveValues: [] as string[], output: "" };
      const ready = await prepare(project, at.checkoutDir);
      if (!("runner" in ready)) return { ...ready, ...none };
      const { runner } = ready;
      const dataDir = dirname(at.planFile);
      const built = applyRequest(
        { deps, settings, secrets },
        project,
        { checkoutDir: at.checkoutDir, dataDir, planFile: at.planFile, onOutput: at.onOutput, stepVariables: at.stepVariables },
        at.inputs,
      );
      if (!built.ok)
        return { ...refused("settings", "reason" in built.result ? built.result.reason : "the apply could not be prepared"), ...none };
      const req = built.request;
      // A plan saved before its backend was held under another dir is not applied over it.
      const elsewhere = await holdOnBackend(ctx, project, runner.backendOf?.(dataDir));
      if (elsewhere) return { ...refused("held", heldBackendReason(elsewhere, project)), ...none };
      const sandboxed = execFor(project, [req.checkoutDir, dataDir], [req.kubeconfig]);
      if (!sandboxed.ok) return { ...refused("sandbox", sandboxed.reason), ...none };
      const seen: { identity?: string } = {};
      let keptState: string | undefined;
      const run = async () => {
        const ran = await applyThroughGate(pass, runner, req, sandboxed.exec, mintFor(project, at.preview, at.claims, seen));
        // A state terraform could not save is kept before the apply's end is recorded: a store
        // write failing there must not let it go with the worktree.
        if (!ran.ok && ran.erroredState) keptState = await keepState(ctx, project, ran.erroredState, ran.message, ran.erroredBackend);
        return ran;
      };
      const outcome = at.record ? await recorded(ctx, project, at.record, run) : await run();
      secrets.add(outcome.sensitiveValues);
      const kept = { sensitiveValues: outcome.sensitiveValues, output: outcome.output, credentials: seen.identity };
      if (!outcome.ok && keptState !== undefined) return { ...failed("apply", keptState), ...kept };
      if (!outcome.ok) return { ...failed("apply", outcome.message), ...kept };
      return { ok: true, value: outcome, ...kept };
    },

    async state(pass, project, at) {
      const pushing = at.operation.kind === "push-errored";
      const ready = await prepare(project, at.checkoutDir, pushing);
      if (!("runner" in ready)) return { ...ready, output: "" };
      const { runner } = ready;
      // The plan's init steps name the backend plans and applies use: the state command uses it too.
      const workflow = settings.workflowFor(project);
      if (workflow.refusal) return { ...refused("settings", workflow.refusal), output: "" };
      const hold = pushing ? await holdOn(ctx, project) : undefined;
      const kept = hold && (await deps.store.heldState(hold.id));
      if (pushing && !kept) return { ...refused("held", `${project.name} is not held: Sluice keeps no state of it to push`), output: "" };
      const elsewhere = hold && pushRefusal(hold, project, settings);
      if (elsewhere) return { ...refused("held", elsewhere), output: "" };
      let operation: StateOperation;
      if (at.operation.kind === "push-errored") {
        // The kept state goes into the run's own data dir, made anew: never written through a link a run left.
        const file = join(at.dataDir, "errored.tfstate");
        await mkdir(at.dataDir, { recursive: true });
        await rm(file, { force: true, recursive: true });
        await writeFile(file, kept as Buffer, { mode: 0o600, flag: "wx" });
        operation = { kind: "push", file, ...(hold?.backend ? { backend: hold.backend } : {}) };
      } else {
        operation = at.operation;
      }
      const sandboxed = execFor(project, [at.checkoutDir, at.dataDir], []);
      if (!sandboxed.ok) return { ...refused("sandbox", sandboxed.reason), output: "" };
      const seen: { identity?: string } = {};
      const req = {
        project,
        checkoutDir: at.checkoutDir,
        dataDir: at.dataDir,
        operation,
        workflow: workflow.workflow,
        env: deps.tools.env,
        timeoutMs: deps.config.step_timeout,
        redact,
        onOutput: at.onOutput,
        binary: settings.binaryFor(project),
        keptPaths: deps.tools.sandbox.keptPaths,
        checkoutStateAllowed: deps.config.allow_checkout_state,
        // The push is the one run a held backend takes (into the hold's own backend, checked by digest).
        heldBackend: async (backend: string) => {
          const elsewhere = pushing ? undefined : await holdOnBackend(ctx, project, backend);
          return elsewhere && heldBackendReason(elsewhere, project);
        },
      };
      const outcome = await changeStateThroughGate(pass, runner, req, sandboxed.exec, mintFor(project, false, at.claims, seen));
      const ran = { output: outcome.output, credentials: seen.identity };
      // Held under another dir: refused, nothing was changed.
      if (!outcome.ok && outcome.failedStep === "held") return { ...refused("held", outcome.message), ...ran };
      if (!outcome.ok && outcome.erroredState)
        return {
          ...failed(outcome.failedStep, await keepState(ctx, project, outcome.erroredState, outcome.message, outcome.erroredBackend)),
          ...ran,
        };
      if (!outcome.ok) return { ...failed(outcome.failedStep, outcome.message), ...ran };
      if (hold) await releaseHold(ctx, project, hold, pass.actor);
      return { ok: true, value: outcome, output: outcome.output, credentials: seen.identity };
    },

    async outputs(project, at) {
      const ready = await prepare(project, at.checkoutDir);
      if (!("runner" in ready)) return ready;
      const { runner } = ready;
      if (!runner.outputs) return failed("outputs", `project ${project.name} is a ${project.runner} project: it has no outputs to take`);
      // The plan's init steps name the backend the producer's state is in.
      const workflow = settings.workflowFor(project);
      if (workflow.refusal) return refused("settings", workflow.refusal);
      // init may write the project's lock file into the checkout.
      const sandboxed = execFor(project, [at.checkoutDir, at.dataDir], []);
      if (!sandboxed.ok) return refused("sandbox", sandboxed.reason);
      const read = await runner.outputs(
        {
          project,
          checkoutDir: at.checkoutDir,
          dataDir: at.dataDir,
          env: deps.tools.env,
          timeoutMs: deps.config.step_timeout,
          redact,
          onOutput: at.onOutput,
          binary: settings.binaryFor(project),
          workflow: workflow.workflow,
        },
        sandboxed.exec,
      );
      if (!read.ok) return failed(read.failedStep, read.message);
      return { ok: true, value: read };
    },
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
