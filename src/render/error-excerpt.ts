/**
 * The diagnostics of a failed Terraform or OpenTofu run, from its output: each boxed block that
 * holds an `Error:` (warnings left out), without its box; for output without boxes, the lines from
 * the first `Error:` on. What a report shows of the run instead of the whole log (which the job
 * log keeps), at most `maxLines` lines. Empty when the output names no error.
 */
export function errorExcerpt(output: string, maxLines = 20): string {
  const lines = output.replace(/\r/g, "").split("\n");
  const blocks: string[][] = [];
  let block: string[] | undefined;
  for (const line of lines) {
    const t = line.trimStart();
    if (t.startsWith("╷")) block = [];
    else if (t.startsWith("╵")) {
      if (block?.some((l) => l.startsWith("Error:"))) blocks.push(block);
      block = undefined;
    } else if (block) block.push(t.replace(/^│ ?/, "").trimEnd());
  }
  const first = lines.findIndex((l) => l.trimStart().startsWith("Error:"));
  const kept = blocks.length ? blocks.map((b) => b.join("\n").trim()).join("\n\n") : first < 0 ? "" : lines.slice(first).join("\n").trim();
  const out = kept.split("\n");
  return out.length > maxLines ? `${out.slice(0, maxLines).join("\n")}\n…` : kept;
}
