import type { ProjectResult } from "../model/project-result.js";
import type { CleanText } from "./project-view.js";
import { extendRedactor, type Redactor } from "../util/redact.js";
import { stripControl } from "../util/sanitize.js";

/**
 * Sensitive values that are too common to redact everywhere: a sensitive `true` would otherwise
 * blank out every `true` in the plan. Terraform already prints "(sensitive value)" for them.
 */
const TOO_COMMON = new Set(["true", "false", "null"]);

/**
 * The one cleaning step for tool- and user-derived text: control characters out, then the
 * caller's redactor, extended with every value the plans mark sensitive (so rendering is safe even
 * if the caller forgot to register them).
 */
export function cleanText(results: readonly ProjectResult[], redact: Redactor): CleanText {
  const sensitive = results.flatMap((r) =>
    (r.status === "planned" || r.status === "applied") && r.summary ? r.summary.sensitiveValues : [],
  );
  const extended = extendRedactor(
    redact,
    sensitive.filter((v) => !TOO_COMMON.has(v)),
  );
  return (text) => extended(stripControl(typeof text === "string" ? text : String(text ?? "")));
}
