import type { PreviewRecord } from "../model/preview.js";
import { cutText } from "../render/cut-text.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { jobMarker, printMarker } from "../render/comment-body.js";
import { renderOutputBlock } from "../render/output-block.js";
import { formatDuration } from "../util/duration.js";
import { previewExpiresAt } from "./preview-expiry.js";
import { previewsByNamespace } from "./preview-workspace.js";

/** The first line of the one preview comment of a pull request, edited in place by every preview job. */
export const PREVIEW_MARKER = printMarker(jobMarker("preview", 1));

const STATUS: Record<PreviewRecord["status"], string> = {
  applying: "⏳ applying",
  live: "✅ live",
  failed: "❌ apply failed",
  destroying: "⏳ destroying",
  "destroy-failed": "⚠️ destroy failed, retrying",
  destroyed: "🗑️ destroyed",
};

/** The environment of a preview's GitHub Deployment. */
export const previewEnvironment = (project: string, pr: number) => `preview/${project}/pr-${pr}`;

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * The PR's preview section: one row per project (status, URL, plan, when it goes), the notices of
 * this run (refusals, the cap), and the output of this run's plans, folded. Every text from a
 * tool or user is escaped here, a notice too (it may carry a tool's error line: a chart's `fail`
 * message, a resource key): redacted first, since an escaped secret is no longer found. The
 * caller redacts the whole body again.
 */
export function renderPreviewComment(
  previews: readonly PreviewRecord[],
  notices: readonly string[],
  outputs: ReadonlyMap<string, string>,
  now: number,
  redact: (text: string) => string = (text) => text,
): string {
  const lines = [PREVIEW_MARKER, "**Sluice** · previews of this pull request", ""];
  if (previews.length) {
    lines.push("| Project | Workspace | Status | URL | Plan | Destroyed | Last result |", "|---|---|---|---|---|---|---|");
    for (const p of previews) {
      const expires = previewExpiresAt(p);
      const gone =
        p.status === "destroyed"
          ? "—"
          : expires === undefined
            ? "when the PR closes"
            : `${when(expires)} (in ${formatDuration(Math.max(0, Math.round((expires - now) / 60_000)) * 60_000 || 60_000)}) or when the PR closes`;
      const url = p.url && p.status === "live" ? `[${escapeText(p.url, 200)}](${encodeURI(p.url)})` : "—";
      lines.push(
        `| ${inlineCode(p.project)} | ${inlineCode(p.workspace)}${previewsByNamespace(p.runner) ? " (namespace)" : ""} | ${STATUS[p.status]} | ${url} | ${p.lastPlan ?? "—"} | ${gone} | ${escapeText(redact(p.lastResult), 300).replace(/\|/g, "\\|")} |`,
      );
    }
    lines.push("");
  }
  for (const n of notices) lines.push(`- ${escapeText(redact(n), 2000)}`);
  if (notices.length) lines.push("");
  for (const [project, output] of outputs) {
    if (output.trim()) lines.push(renderOutputBlock(cutText(output, 20_000), { summary: `Plan output of the ${project} preview` }), "");
  }
  lines.push("Commands: `/preview destroy`, `/preview recreate`, `/preview extend 24h` (writers only).");
  return lines.join("\n");
}
