import type { Command } from "../model/command.js";
import { type SpecOf, actorIdField } from "../model/job.js";

/** The job a `/drift` comment asks for: a check, or a project's pause or resume. */
export function driftCommandSpec(
  cmd: Extract<Command, { kind: "drift" }>,
  from: { commandLine?: string; commentId?: number; actor: string; actorId?: number; commentAt?: string },
): SpecOf<"drift-check"> | SpecOf<"drift-pause"> {
  const { commandLine, commentId, actor, actorId, commentAt } = from;
  const asked = {
    ...(commandLine !== undefined ? { commandLine } : {}),
    ...(commentId !== undefined ? { commentId } : {}),
    actor,
    ...actorIdField(actorId),
  };
  if (cmd.action === "check") return { kind: "drift-check", trigger: "comment", filter: cmd.filter, ...asked };
  return {
    kind: "drift-pause",
    action: cmd.action,
    // Pausing names a project: the job says so when it is missing or unknown (not the parser).
    project: cmd.filter.project ?? "",
    ...(cmd.reason !== undefined ? { reason: cmd.reason } : {}),
    ...asked,
    ...(commentAt !== undefined ? { commentAt } : {}),
  };
}
