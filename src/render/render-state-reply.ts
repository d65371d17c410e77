import { cutIndex } from "./cut-text.js";
import { escapeText } from "./escape-text.js";
import { inlineCode } from "./inline.js";
import { renderOutputBlock } from "./output-block.js";
import type { Redactor } from "../util/redact.js";
import { stripControl } from "../util/sanitize.js";

export interface StateReply {
  /** "import" or "state rm". */
  operation: string;
  commandLine: string;
  user: string;
  project?: { name: string; dir: string; workspace: string };
  outcome:
    | { kind: "done"; output: string }
    | { kind: "failed"; step: string; message: string; output: string }
    | { kind: "refused"; reason: string };
}

/** Leaves room for the frame around the output within GitHub's 65,536 characters. */
const MAX_OUTPUT = 60_000;

/** The one comment `/import` and `/state rm` answer with (the job adds its marker): what ran, where, and the tool's output. */
export function renderStateReply(r: StateReply, redact: Redactor): string {
  const clean = (text: string) => redact(stripControl(text));
  const o = r.outcome;
  const state = o.kind === "done" ? "✅ done" : o.kind === "failed" ? "❌ failed" : "⛔ refused";
  const where = r.project
    ? `**${inlineCode(r.project.name)}** (${inlineCode(r.project.dir)}, workspace ${inlineCode(r.project.workspace)})`
    : "";
  const lines = [`### Sluice ${r.operation} · ${state}`, "", `${inlineCode(clean(r.commandLine))} by @​${escapeText(r.user)}`, ""];
  if (o.kind === "refused") lines.push(`${where}${where ? ": " : ""}${escapeText(clean(o.reason))}`);
  if (o.kind === "failed") lines.push(`${where}: ${r.operation} failed at ${inlineCode(o.step)}: ${escapeText(clean(o.message))}`);
  if (o.kind === "done") {
    lines.push(
      `${where}: ${r.operation} done. The state changed, so this pull request's plans of the project were discarded: comment \`/plan\` to plan again.`,
    );
  }
  const output = o.kind === "refused" ? "" : clean(o.output);
  if (output.trim()) {
    const cut = cutIndex(output, 0, MAX_OUTPUT);
    const shown = cut < output.length ? `${output.slice(0, cut)}\n… (output cut at ${MAX_OUTPUT} characters)` : output;
    lines.push("", renderOutputBlock(shown, { open: o.kind === "failed" }));
  }
  return lines.join("\n");
}
