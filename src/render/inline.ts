import { cutText } from "./cut-text.js";
import { longestBacktickRun } from "./fence.js";
import { stripControl } from "../util/sanitize.js";

export const INLINE_MAX = 200;

/**
 * Renders a name or address as a code span for use outside fences. Inside a code span GitHub
 * renders no HTML, markdown, @mentions or #references. The delimiter is one backtick longer than
 * any run inside so the content cannot close it; newlines are flattened so it cannot end the
 * paragraph. Callers redact first: cutting a secret in half would hide it from the redactor.
 */
export function inlineCode(text: string): string {
  // Cut generously before stripping so a huge input costs little, then cut for real.
  const flat = stripControl(text.length > 4 * INLINE_MAX ? text.slice(0, 4 * INLINE_MAX) : text).replace(/[\n\t]+/g, " ");
  const content = cutText(flat, INLINE_MAX);
  if (content === "") return "` `";
  const ticks = "`".repeat(longestBacktickRun(content) + 1);
  // CommonMark strips one leading and one trailing space when both are present; pad so content
  // that starts/ends with a backtick or a space keeps its exact value.
  const pad = content.startsWith("`") || content.endsWith("`") || (content.startsWith(" ") && content.endsWith(" ")) ? " " : "";
  return `${ticks}${pad}${content}${pad}${ticks}`;
}
