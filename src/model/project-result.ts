import type { PlanSummary } from "./plan-summary.js";
import type { PolicySetOutcome } from "./policy-check.js";
import type { Project } from "./project.js";

/** A plan's policy outcome as the comment shows it: each set, and who may approve the failed ones. */
export interface PolicyView {
  sets: PolicySetOutcome[];
  /** Per failed set: approvals needed and owners, e.g. `1 approval from @sec, team acme/security`. */
  approvers: Record<string, string>;
}

/** The outcome of one project's plan or apply, as the renderer and the check run see it. */
export type ProjectResult = {
  project: Project;
  /** Output of the tool for humans (plan text, or the failing step's output). Not yet redacted. */
  output: string;
  durationMs?: number;
  /** Which credentials the run had, by name (rule, role, variable names), never a value. */
  credentials?: string;
} & (
  | {
      status: "planned";
      summary: PlanSummary;
      /** Server policy checks over this plan (absent when none are configured). */
      policy?: PolicyView;
      /** What the trusted plan rules say of this plan (protected changes, auto-approval, agents), as sentences. */
      rules?: string[];
    }
  | { status: "applied"; summary?: PlanSummary }
  | { status: "error"; failedStep: string; message: string }
  | {
      status: "refused";
      reason: string;
      /** A link Sluice made itself (e.g. to the PR holding a lock): rendered as a real link. */
      link?: { text: string; url: string };
    }
);
