import { cleanText } from "./clean-text.js";
import {
  type FrameInput,
  commandLabel,
  continuedNote,
  footer,
  logLink,
  moreProjectsNote,
  noticeBlock,
  pendingLine,
  shortSha,
  stateLabel,
  triggerLine,
  truncatedNote,
} from "./comment-parts.js";
import { layoutContinuations } from "./layout-continuations.js";
import { fillFirst, layoutFirst } from "./layout-first.js";
import { projectView } from "./project-view.js";
import type { Redactor } from "../util/redact.js";
import { type CommentView, templates } from "./templates.js";
import { jobMarker, printComment, printMarker } from "./comment-body.js";

/** GitHub's limit for a comment body, in UTF-16 code units as its API counts them. */
export const MAX_COMMENT = 65_536;
/** Below this there is no room for the header and a useful chunk of output. */
export const MIN_MAX_LENGTH = 1_000;

export interface CommentInput extends FrameInput {
  /** Goes into the hidden marker; at most 200 characters once URI-encoded. */
  jobId: string;
}

export interface RenderOptions {
  /** Default 10. */
  maxComments?: number;
  /** Default MAX_COMMENT; at least MIN_MAX_LENGTH. */
  maxLength?: number;
}

/**
 * Renders the comment(s) for one job: always at least one, each at most `maxLength`. The first
 * holds the header and every project's summary line and change list (shortened until it fits);
 * outputs follow while they fit, then continue in further comments, each chunk in its own
 * `<details>` and fence. Beyond `maxComments` the output is cut and the last comment says how much.
 */
export function renderComments(input: CommentInput, redact: Redactor, opts: RenderOptions = {}): string[] {
  const maxLength = opts.maxLength ?? MAX_COMMENT;
  const maxComments = Math.max(1, Math.floor(opts.maxComments ?? 10));
  if (!(maxLength >= MIN_MAX_LENGTH)) throw new RangeError(`maxLength must be at least ${MIN_MAX_LENGTH}`);
  if (encodeURIComponent(input.jobId).length > 200) throw new RangeError("jobId is too long for a marker");

  const clean = cleanText(input.results, redact);
  const command = commandLabel(input);
  const views = input.results.map((r) => projectView(r, command, clean));
  const totalOutput = views.reduce((n, v) => n + v.output.length, 0);

  const frame: CommentView = {
    marker: printMarker(jobMarker(input.jobId, 1)),
    command,
    sha: shortSha(input.headSha),
    state: stateLabel(input),
    trigger: triggerLine(input, clean),
    notice: noticeBlock(input.notice, clean),
    pending: pendingLine(input, clean),
    sections: [],
    moreProjects: "",
    continued: "",
    truncated: "",
    footer: footer(input, clean),
  };
  // Worst-case notes are reserved up front so filling outputs never has to undo anything.
  const log = logLink(input.logUrl, clean);
  const worstTruncated = truncatedNote(Math.max(1, totalOutput), maxComments, log);
  const reserve: Partial<CommentView> = {
    continued: totalOutput > 0 && maxComments > 1 ? continuedNote(maxComments - 1) : "",
    truncated: totalOutput > 0 && maxComments === 1 ? worstTruncated : "",
  };

  // Smaller frames for when even a bare list of projects does not fit (tiny maxLength, huge notice).
  const fallbacks: CommentView[] = [
    { ...frame, notice: noticeBlock(input.notice, (t) => clean(t).slice(0, 200), 0), pending: pendingLine(input, clean, 3) },
    { ...frame, notice: "", pending: "", trigger: "" },
  ];
  const layout = layoutFirst(frame, fallbacks, views, reserve, maxLength, command);
  const stream = fillFirst(layout, views, maxLength);
  const { pages, cut } = layoutContinuations(stream, frame, maxLength, maxComments, input.jobId, worstTruncated);
  const total = 1 + pages.length;
  const truncated = truncatedNote(cut, maxComments, log);

  const first = templates.comment({
    ...frame,
    sections: layout.sections,
    moreProjects: moreProjectsNote(views.length - layout.shown, command),
    continued: continuedNote(pages.length),
    truncated: pages.length === 0 ? truncated : "",
  });
  const rest = pages.map((blocks, index) =>
    templates.continuation({
      marker: printMarker(jobMarker(input.jobId, index + 2)),
      command,
      sha: frame.sha,
      part: index + 2,
      total,
      blocks,
      truncated: index === pages.length - 1 ? truncated : "",
    }),
  );
  return [first, ...rest].map((body, index) => (body.length <= maxLength ? body : overflowed(input.jobId, frame, index, maxLength)));
}

/** Last line of defence if a layout bug ever produced an oversized comment: never post it. */
function overflowed(jobId: string, frame: CommentView, index: number, maxLength: number): string {
  const body = printComment({
    marker: jobMarker(jobId, index + 1),
    text: `### Sluice ${frame.command} for ${frame.sha}\n\nThis part could not be rendered within the size limit.`,
  });
  return body.slice(0, maxLength);
}
