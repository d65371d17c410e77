import { moreProjectsNote } from "./comment-parts.js";
import { fitChunk, renderOutputBlock } from "./output-block.js";
import { type ProjectView, renderSection } from "./project-view.js";
import type { StreamItem } from "./layout-continuations.js";
import { type CommentView, templates } from "./templates.js";

/** Change-list caps tried in order until the first comment fits. */
const CAPS = [50, 20, 10, 5, 0];
/** A first comment with less room than this left keeps its outputs for the continuations. */
const MIN_FIRST_CHUNK = 400;

export interface FirstLayout {
  /** One section per shown project, outputs included once `fillFirst` ran. */
  sections: string[];
  /** How many projects (a prefix) the first comment shows. */
  shown: number;
  /** Change-list cap used for every section. */
  cap: number;
  /** The comment's length with the reserved notes. */
  length: number;
}

/**
 * Picks the longest change lists, then the most projects, for which the first comment fits.
 * Mutates `frame` into the fallback it had to use, if any.
 */
export function layoutFirst(
  frame: CommentView,
  fallbacks: CommentView[],
  views: ProjectView[],
  reserve: Partial<CommentView>,
  maxLength: number,
  command: "plan" | "apply",
): FirstLayout {
  const measure = (f: CommentView, sections: string[], hidden: number) =>
    templates.comment({ ...f, ...reserve, sections, moreProjects: moreProjectsNote(hidden, command) }).length;

  for (const cap of CAPS) {
    const sections = views.map((v) => renderSection(v, cap));
    const length = measure(frame, sections, 0);
    if (length <= maxLength) return { sections, shown: views.length, cap, length };
  }

  // Too many projects even without change lists: show a prefix, the check run has them all.
  const all = views.map((v) => renderSection(v, 0));
  for (const f of [frame, ...fallbacks]) {
    const hiddenWorst = views.length;
    let lo = 0;
    let hi = views.length;
    if (measure(f, [], hiddenWorst) > maxLength) continue;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(f, all.slice(0, mid), hiddenWorst) <= maxLength) lo = mid;
      else hi = mid - 1;
    }
    Object.assign(frame, f);
    const sections = all.slice(0, lo);
    return { sections, shown: lo, cap: 0, length: measure(f, sections, hiddenWorst) };
  }
  // Unreachable with maxLength >= MIN_MAX_LENGTH and a bounded jobId; the final check covers it.
  Object.assign(frame, fallbacks[fallbacks.length - 1]);
  return { sections: [], shown: 0, cap: 0, length: maxLength };
}

/**
 * Puts outputs into the first comment, in order, while they fit (the one that stops fitting
 * contributes its head if there is room for a useful chunk); returns the rest, in order, for the
 * continuations. Updates `layout.sections` in place.
 */
export function fillFirst(layout: FirstLayout, views: ProjectView[], maxLength: number): StreamItem[] {
  const { sections, shown, cap } = layout;
  let used = layout.length;
  const stream: StreamItem[] = [];
  for (const [i, view] of views.entries()) {
    if (view.output === "") continue;
    const section = sections[i];
    if (stream.length > 0 || i >= shown || section === undefined) {
      stream.push({ view, start: 0 });
      continue;
    }
    const budget = maxLength - used;
    const grow = (end: number, summary?: string) =>
      renderSection(view, cap, renderOutputBlock(view.output.slice(0, end), { open: view.failed, summary })).length - section.length;
    // A block is never shorter than its text: skip rendering megabytes that cannot fit.
    const whole = view.output.length <= budget ? grow(view.output.length) : Number.POSITIVE_INFINITY;
    if (whole <= budget) {
      sections[i] = renderSection(view, cap, renderOutputBlock(view.output, { open: view.failed }));
      used += whole;
      continue;
    }
    const partial = "Show output (continued below)";
    const end = budget >= MIN_FIRST_CHUNK ? fitChunk(view.output, 0, budget, (e) => grow(e, partial)) : 0;
    if (end > 0) {
      sections[i] = renderSection(view, cap, renderOutputBlock(view.output.slice(0, end), { open: view.failed, summary: partial }));
      used += grow(end, partial);
    }
    stream.push({ view, start: end });
  }
  return stream;
}
