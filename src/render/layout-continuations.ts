import { fitChunk, renderOutputBlock } from "./output-block.js";
import type { ProjectView } from "./project-view.js";
import { type CommentView, templates } from "./templates.js";
import { jobMarker, printMarker } from "./comment-body.js";

/** A continuation with less room than this left starts the next chunk in the next comment. */
const MIN_CHUNK = 200;

/** An output still to place, from `start` on. */
export interface StreamItem {
  view: ProjectView;
  start: number;
}

/**
 * Fills continuation comments (parts 2..maxComments) with the remaining outputs, each chunk with a
 * label naming its project. The last allowed part keeps room for the truncation note. Returns the
 * blocks of each part and how many characters of output did not fit anywhere.
 */
export function layoutContinuations(
  stream: StreamItem[],
  frame: CommentView,
  maxLength: number,
  maxComments: number,
  jobId: string,
  worstTruncated: string,
): { pages: string[][]; cut: number } {
  // Worst-case header: the largest part number and total.
  const empty = templates.continuation({
    marker: printMarker(jobMarker(jobId, maxComments)),
    command: frame.command,
    sha: frame.sha,
    part: maxComments,
    total: maxComments,
    blocks: [],
    truncated: "",
  });
  const blockCost = (block: string) =>
    templates.continuation({
      marker: printMarker(jobMarker(jobId, maxComments)),
      command: frame.command,
      sha: frame.sha,
      part: maxComments,
      total: maxComments,
      blocks: [block],
      truncated: "",
    }).length - empty.length;
  // The template puts the same separator before every block and the note; measure it once.
  const separator = blockCost("x") - 1;
  const noteCost = worstTruncated.length + separator;

  const pages: string[][] = [];
  let skipped = 0;
  let q = 0;
  while (q < stream.length && pages.length + 1 < maxComments) {
    const last = pages.length + 2 === maxComments;
    const budget = maxLength - empty.length - (last ? noteCost : 0);
    const blocks: string[] = [];
    let used = 0;
    while (q < stream.length) {
      const item = stream[q] as StreamItem;
      const { view, start } = item;
      const label = `Output of **${view.label}**${start > 0 ? " (continued)" : ""}`;
      const render = (end: number) =>
        templates.continuedOutput({
          label,
          output: renderOutputBlock(view.output.slice(start, end), { open: view.failed }),
        });
      const room = budget - used;
      const whole = view.output.length - start <= room ? render(view.output.length) : undefined;
      if (whole !== undefined && whole.length + separator <= room) {
        blocks.push(whole);
        used += whole.length + separator;
        q++;
        continue;
      }
      if (blocks.length > 0 && room < MIN_CHUNK) break;
      const end = fitChunk(view.output, start, room, (e) => render(e).length + separator);
      if (end <= start) {
        if (blocks.length > 0) break;
        // Cannot happen with maxLength >= MIN_MAX_LENGTH; skipping keeps the loop finite.
        skipped += view.output.length - start;
        q++;
        continue;
      }
      blocks.push(render(end));
      item.start = end;
      break;
    }
    pages.push(blocks);
  }
  const cut = stream.slice(q).reduce((n, item) => n + item.view.output.length - item.start, skipped);
  return { pages, cut };
}
