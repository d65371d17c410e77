import type { ProjectResult } from "../model/project-result.js";
import { cutText } from "./cut-text.js";
import { escapeText } from "./escape-text.js";
import { fence } from "./fence.js";
import { inlineCode } from "./inline.js";
import type { CleanText } from "./project-view.js";
import { listSome } from "../util/list-some.js";

/** What a comment shows; render-comment.ts adds the job id for the marker. */
export interface FrameInput {
  command: "plan" | "apply";
  state: "queued" | "running" | "done";
  /** Shown shortened to 7 characters. */
  headSha: string;
  /** What started the job, raw: the command line as typed (`/plan -p net`) or e.g. `autoplan`. */
  triggerText: string;
  /** GitHub login of who triggered it, raw. */
  triggerUser?: string;
  /** Empty while queued/running (or partial results while running). */
  results: ProjectResult[];
  /** Project names still running (state running). */
  pending?: string[];
  /** A refusal or general message; a first line of prose, optional detail lines shown as code. */
  notice?: string;
  /** How a notice-only result reads: information, a refusal, or a fault. */
  tone?: "info" | "refused" | "failed";
  logUrl?: string;
}

/** The command as a known word, whatever a caller slipped past the type. */
export function commandLabel(input: Pick<FrameInput, "command">): FrameInput["command"] {
  return input.command === "apply" ? "apply" : "plan";
}

/** Seven hex digits GitHub turns into a commit link; anything else is shown as code. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7).toLowerCase() : inlineCode(sha.slice(0, 12));
}

export function stateLabel(input: FrameInput): string {
  if (input.state === "queued") return "⏳ queued";
  if (input.state === "running") return "🔄 running";
  const { results } = input;
  if (results.length === 0) return input.tone === "failed" ? "❌ failed" : input.tone === "refused" ? "⛔ refused" : "ℹ️ done";
  if (results.some((r) => r.status === "error")) return "❌ failed";
  if (results.some((r) => r.status === "refused")) return "⛔ refused";
  if (input.command === "apply") return "✅ applied";
  return results.some((r) => r.status === "planned" && r.summary.hasChanges) ? "✅ planned" : "✅ no changes";
}

export function triggerLine(input: FrameInput, clean: CleanText): string {
  const user = input.triggerUser ? ` from ${inlineCode(clean(input.triggerUser))}` : "";
  const log = logLink(input.logUrl, clean);
  return `Triggered by ${inlineCode(clean(input.triggerText))}${user}${log ? ` · ${log}` : ""}`;
}

/** Only http(s) URLs, re-serialized so the link syntax cannot be broken out of. */
export function logLink(url: string | undefined, clean: CleanText): string {
  if (!url) return "";
  let parsed: URL;
  try {
    parsed = new URL(clean(url));
  } catch {
    return "";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "";
  // Credentials never belong in a posted link, redacted or not.
  parsed.username = "";
  parsed.password = "";
  // A backslash would escape the closing parenthesis and turn the rest of the line into text.
  const href = parsed.href.replace(/[()<>\s"'`[\]\\]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  if (href.length > 1000) return "";
  return `[live log](${href})`;
}

const PENDING_SHOWN = 20;

export function pendingLine(input: FrameInput, clean: CleanText, shown = PENDING_SHOWN): string {
  const pending = input.state === "running" ? (input.pending ?? []) : [];
  if (pending.length === 0) return "";
  return `Still running: ${listSome(pending, shown, (name) => inlineCode(clean(name)))}`;
}

/**
 * A notice is a sentence, optionally followed by detail lines (an error's output): the sentence
 * as prose, the detail in a fence.
 */
export function noticeBlock(notice: string | undefined, clean: CleanText, detailMax = 4000): string {
  if (!notice) return "";
  const text = clean(notice).trim();
  const newline = text.indexOf("\n");
  const first = newline === -1 ? text : text.slice(0, newline);
  const rest = newline === -1 ? "" : text.slice(newline + 1).replace(/^\n+|\s+$/g, "");
  const prose = escapeText(first, 1000);
  if (!rest || detailMax <= 0) return prose;
  return `${prose}\n\n${fence(cutText(rest, detailMax))}`;
}

const SIMPLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;

export function footer(input: FrameInput, clean: CleanText): string {
  if (input.state !== "done" || input.command !== "plan" || input.results.length === 0) return "";
  const changed = input.results.filter((r) => r.status === "planned" && r.summary.hasChanges);
  const replan = "Comment `/plan` to plan again.";
  if (changed.length === 0) return replan;
  // A real project name makes the example copy-pasteable; odd names would need quoting.
  const example = changed.map((r) => clean(r.project.name)).find((name) => SIMPLE_NAME.test(name)) ?? "NAME";
  return `Comment \`/apply\` to apply all planned projects, or \`/apply -p ${example}\` for one. ${replan}`;
}

export function moreProjectsNote(hidden: number, command: FrameInput["command"]): string {
  if (hidden <= 0) return "";
  return `… ${hidden} more ${hidden === 1 ? "project" : "projects"}, see the check run \`sluice/${commandLabel({ command })}\`.`;
}

export function continuedNote(more: number): string {
  if (more <= 0) return "";
  return `📄 The output continues in ${more} more ${more === 1 ? "comment" : "comments"} below.`;
}

export function truncatedNote(cut: number, maxComments: number, log = ""): string {
  if (cut <= 0) return "";
  const where = log ? ` Full output: ${log}.` : "";
  return `✂️ Output truncated: ${cut.toLocaleString("en-US")} more characters did not fit in ${maxComments} ${maxComments === 1 ? "comment" : "comments"}.${where}`;
}
