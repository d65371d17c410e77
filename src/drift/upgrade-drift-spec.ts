import type { LegacyDriftSpec, SpecOf } from "../model/job.js";
import { driftCommandSpec } from "./drift-command-spec.js";

export type DriftSpec = SpecOf<"drift-check"> | SpecOf<"drift-pause"> | SpecOf<"drift-schedule-sync">;

/**
 * What a `drift` job stored by an earlier version meant, as the kind made today: a push refreshed
 * the schedules, a comment was a `/drift` command, a schedule checked the projects that came due.
 */
export function upgradeDriftSpec(spec: LegacyDriftSpec): DriftSpec {
  const { actor, commandLine, commentId } = spec;
  if (spec.trigger === "push") return { kind: "drift-schedule-sync", actor };
  if (spec.command) return driftCommandSpec(spec.command, { commandLine, commentId, actor });
  return {
    kind: "drift-check",
    trigger: spec.trigger,
    ...(spec.projects ? { projects: spec.projects } : {}),
    ...(commandLine !== undefined ? { commandLine } : {}),
    ...(commentId !== undefined ? { commentId } : {}),
    actor,
  };
}
