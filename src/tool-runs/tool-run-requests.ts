import type { StateOperation } from "../../runners/runner.js";
import type { GatePass } from "../gate/decide.js";
import type { RunClaims } from "../model/credentials.js";
import type { NewLiveApply } from "../store/store.js";
import type { PlanWhere, RunInputs } from "./runner-request.js";

// What each road hands the project runner (project-runner.ts) and gets back from it.

/** A project's tool run as every road gets it back: its value, or why it did not run or failed. */
export type ToolRun<T> =
  | { ok: true; value: T; credentials?: string }
  | { ok: false; refused: boolean; failedStep: string; message: string; credentials?: string; output?: string; durationMs?: number };

/** A run refused before its tool started: its settings, the sandbox, its credentials, a hold. */
export const refused = (failedStep: string, message: string) => ({ ok: false as const, refused: true, failedStep, message });
/** A run that failed: its tool, or what it needs first (a runner for its kind, its dir in the checkout). */
export const failed = (failedStep: string, message: string) => ({ ok: false as const, refused: false, failedStep, message });

/** The claims of a run's token, beside the project, workspace and phase the runner fills in. */
export type Claims = Omit<RunClaims, "project" | "phase" | "workspace">;

/** Where and how one plan runs: the road's part of it. */
export interface PlanAt extends PlanWhere {
  inputs?: RunInputs;
  onOutput: (chunk: string) => void;
  claims: Claims;
  /** A preview's plan: the credentials rule's `preview` set. */
  preview?: boolean;
}

/** What an apply records around the tool (PR and drift roads; a preview's Deployment is its own). */
export interface ApplyRecord {
  /** The saved plan applied (0: none was saved) and whether it is marked used before the tool starts. */
  planId: number;
  markPlanUsed: boolean;
  /** Its approvers are the gate's counted ones (the pass's), not given here. */
  live: Omit<NewLiveApply, "approvers" | "repo" | "project" | "dir" | "workspace">;
}

export interface ApplyAt {
  checkoutDir: string;
  planFile: string;
  stepVariables?: Record<string, string>;
  /** Other projects' outputs, for tools that render again at apply (Helm). */
  inputs?: RunInputs;
  onOutput: (chunk: string) => void;
  /** The token's claims, made once the gate's pass is admitted (an apply's approvers are read then). */
  claims: (pass: GatePass) => Promise<Claims> | Claims;
  preview?: boolean;
  record?: ApplyRecord;
}

export interface StateAt {
  checkoutDir: string;
  dataDir: string;
  /** `push-errored`: the state Sluice kept when terraform could not save it, pushed; the hold then released. */
  operation: StateOperation | { kind: "push-errored" };
  onOutput: (chunk: string) => void;
  claims: (pass: GatePass) => Promise<Claims> | Claims;
}

/** A run whose tools only read (producers' outputs, workflow hooks): its dirs and its exec. */
export interface ToolAt {
  checkoutDir: string;
  dataDir: string;
}
