import { ALLOWED, type Decision, refuse } from "./decision.js";

/** The console's emergency brake, as the store holds it. */
export interface AppliesPause {
  by: string;
  reason: string;
  at: string;
}

/** While an admin has paused applies, every apply (comment or merge) is refused with who and why. */
export function checkAppliesPaused(pause: AppliesPause | undefined): Decision {
  if (!pause) return ALLOWED;
  const reason = pause.reason.trim() ? `: ${pause.reason.trim()}` : "";
  return refuse(
    `Applies are paused on this Sluice server (by ${pause.by} at ${pause.at.slice(0, 16).replace("T", " ")} UTC${reason}). Nothing was applied; comment \`/apply\` again once an admin resumes them.`,
  );
}
