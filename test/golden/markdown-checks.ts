/** Structural checks on rendered markdown, shared by the renderer's tests. */

export const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface Structure {
  /** Problems found; empty when fences and <details> are balanced. */
  problems: string[];
  /** The content of each fenced block, in order (with its final newline). */
  fences: { info: string; content: string }[];
}

/**
 * Walks lines as CommonMark does for backtick fences: a fence opens with >= 3 backticks and closes
 * with a line of at least as many backticks and nothing else. `<details>` tags count only outside
 * fences and code spans, where GitHub would parse them.
 */
export function structure(body: string): Structure {
  const problems: string[] = [];
  const fences: { info: string; content: string }[] = [];
  let open: { ticks: number; info: string; lines: string[] } | undefined;
  let details = 0;
  for (const line of body.split("\n")) {
    if (open) {
      const close = /^ {0,3}(`+) *$/.exec(line);
      if (close?.[1] && close[1].length >= open.ticks) {
        fences.push({ info: open.info, content: open.lines.map((l) => `${l}\n`).join("") });
        open = undefined;
      } else {
        open.lines.push(line);
      }
      continue;
    }
    const start = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
    if (start?.[1]) {
      open = { ticks: start[1].length, info: start[2] ?? "", lines: [] };
      continue;
    }
    // Inside a code span a tag is text, as GitHub renders it.
    const html = withoutCodeSpans(line);
    details += (html.match(/<details[ >]/g) ?? []).length;
    details -= (html.match(/<\/details>/g) ?? []).length;
    if (details < 0) problems.push(`</details> without <details>: ${line.slice(0, 80)}`);
  }
  if (open) problems.push("unclosed fence");
  if (details !== 0) problems.push(`${details} unclosed <details>`);
  return { problems, fences };
}

/** The output fences (not the ```diff change lists) of a list of comments, in order. */
export function outputFences(bodies: string[]): string[] {
  return bodies.flatMap((b) =>
    structure(b)
      .fences.filter((f) => f.info === "")
      .map((f) => f.content),
  );
}

/**
 * How much of `original` the fenced chunks spell out in order (-1 when they do not), allowing for
 * the newline a fence adds after a chunk that was cut mid-line.
 */
export function reassemble(original: string, chunks: string[]): number {
  const tried = new Set<string>();
  const walk = (i: number, at: number): number => {
    if (i === chunks.length) return at;
    const key = `${i}:${at}`;
    if (tried.has(key)) return -1;
    tried.add(key);
    const chunk = chunks[i] as string;
    const options = chunk.endsWith("\n") ? [chunk, chunk.slice(0, -1)] : [chunk];
    for (const option of options) {
      if (!original.startsWith(option, at)) continue;
      const end = walk(i + 1, at + option.length);
      if (end >= 0) return end;
    }
    return -1;
  };
  return walk(0, 0);
}

/**
 * A line with its code spans and backslash escapes removed, scanning left to right as CommonMark
 * does: an escaped backtick opens nothing, and a backtick run without a closing run of the same
 * length is literal.
 */
export function withoutCodeSpans(line: string): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "\\" && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1] as string)) {
      // What an escape stands for is plain text; a space keeps its neighbours apart.
      out += " ";
      i += 2;
      continue;
    }
    if (c !== "`") {
      out += c;
      i++;
      continue;
    }
    let run = 0;
    while (line[i + run] === "`") run++;
    const closer = new RegExp(`(?<!\`)\`{${run}}(?!\`)`, "g");
    closer.lastIndex = i + run;
    const match = closer.exec(line);
    if (match) {
      i = match.index + run;
    } else {
      out += "`".repeat(run);
      i += run;
    }
  }
  return out;
}

/**
 * The text GitHub would interpret: outside fences and code spans, escapes removed, link targets
 * dropped (Sluice's only links are the log URL).
 */
export function interpreted(body: string): string {
  const lines: string[] = [];
  let open = 0;
  for (const line of body.split("\n")) {
    const run = /^(`{3,})/.exec(line)?.[1]?.length ?? 0;
    if (open === 0 && run >= 3) open = run;
    else if (open > 0 && run >= open && /^`+ *$/.test(line)) open = 0;
    else if (open === 0) lines.push(withoutCodeSpans(line).replace(/\]\([^)\s]*\)/g, "]"));
  }
  return lines.join("\n");
}
