import { cutText } from "./cut-text.js";
import { createRedactor, type Redactor } from "../util/redact.js";
import { stripControl } from "../util/sanitize.js";
import { templates } from "./templates.js";

/**
 * Reply to `/help`. The usage text is Sluice's own markdown (src/command/usage.ts), so it is
 * posted as is.
 */
export function renderUsage(usage: string): string {
  return usage;
}

/**
 * Reply to a malformed command. `reason` is markdown from the command parser, which already puts
 * every piece of user input in a code span; it is still control-stripped, redacted (a user may
 * paste a token into `-var`) and kept to one line.
 */
export function renderInvalid(reason: string, usage: string, redact: Redactor = createRedactor()): string {
  const line = cutText(redact(stripControl(reason)).replace(/\s+/g, " ").trim(), 1_000);
  return templates.invalid({ reason: line || "invalid command", usage });
}
