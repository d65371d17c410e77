import type { PlanSummary } from "./plan-summary.js";
import type { Project } from "./project.js";

/** The outcome of one project's plan or apply, as the renderer and the check run see it. */
export type ProjectResult = {
  project: Project;
  /** Output of the tool for humans (plan text, or the failing step's output). Not yet redacted. */
  output: string;
  durationMs?: number;
} & (
  | { status: "planned"; summary: PlanSummary }
  | { status: "applied"; summary?: PlanSummary }
  | { status: "error"; failedStep: string; message: string }
  | {
      status: "refused";
      reason: string;
      /** A link Sluice made itself (e.g. to the PR holding a lock): rendered as a real link. */
      link?: { text: string; url: string };
    }
);
