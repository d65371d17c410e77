export { fence, longestBacktickRun } from "./fence.js";
export { inlineCode } from "./inline.js";
export { escapeText } from "./escape-text.js";
export { parseMarker, markerFor } from "./marker.js";
export { createRedactor, extendRedactor, REDACTED, type Redactor } from "./redact.js";
export { stripControl } from "./sanitize.js";
export { type CheckRender, MAX_CHECK_SUMMARY, renderCheck } from "./render-check.js";
export { type CommentInput, MAX_COMMENT, MIN_MAX_LENGTH, type RenderOptions, renderComments } from "./render-comment.js";
export { renderInvalid, renderUsage } from "./render-usage.js";
