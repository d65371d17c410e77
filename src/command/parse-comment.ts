import type { ParseResult } from "../model/command.js";
import { commandSkeleton } from "./command-skeleton.js";
import { codePointName, markdownCode } from "./markdown-code.js";
import { type ArgsKeyword, invalid, ok, parseArgs } from "./parse-args.js";
import { tokenizeArgs } from "./tokenize-args.js";
import { parsePreview } from "./parse-preview.js";

export { USAGE } from "./usage.js";

export interface ParseCommentOptions {
  /** Also answer `atlantis plan` etc., for repositories moving over from Atlantis. */
  allowAtlantisPrefix?: boolean;
}

type Keyword = ArgsKeyword | "applies" | "preview" | "help";
type Address = { type: "none" } | { type: "invalid"; reason: string } | { type: "ours"; keyword: Keyword; display: string; rest: string };

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  "plan",
  "apply",
  "unlock",
  "import",
  "state",
  "approve_policies",
  "applies",
  "drift",
  "preview",
  "help",
]);
const MAX_LINE = 4096;
// Tab is ordinary spacing; every other control, format (zero-width, bidi), separator, surrogate or
// private-use character makes the command ambiguous to read, so it is refused.
const HIDDEN = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;
const WHITESPACE = /\p{White_Space}/u;

/**
 * Reads the first line of a PR comment as a Sluice command. Pure and total: any string gives a
 * result, never an exception. Lookalike spellings (other scripts, fullwidth forms, zero-width
 * characters, wrong case) are never accepted; when they imitate a command they get a hint.
 */
export function parseComment(body: string, opts: ParseCommentOptions = {}): ParseResult {
  const first = firstLine(body);
  // GitHub shows such a line as code (a command quoted in an example, say), not as something said.
  if (indentedCodeBlock(first)) return { type: "none" };
  const line = first.trim();
  if (line === "") return { type: "none" };
  const address = addressOf(line, opts.allowAtlantisPrefix === true);
  if (address.type === "none") return { type: "none" };
  const hidden = HIDDEN.exec(line);
  if (hidden) {
    return invalid(`the command contains a control or invisible character (${codePointName(hidden[0])}); retype it as plain text`);
  }
  if (line.length > MAX_LINE) return invalid(`the command line is longer than ${MAX_LINE} characters`);
  if (address.type === "invalid") return address;
  if (address.keyword === "help") return ok({ kind: "help" });
  if (address.keyword === "applies") return parseApplies(address.display, address.rest);
  if (address.keyword === "preview") return parsePreview(address.display, address.rest);
  return parseArgs(address.keyword, address.display, address.rest);
}

/** `/applies pause [-- REASON…]` and `/applies resume`: the server-wide emergency brake. */
function parseApplies(display: string, rest: string): ParseResult {
  const tokenized = tokenizeArgs(rest);
  if (!tokenized.ok) return invalid(tokenized.reason);
  const [action, ...more] = tokenized.tokens;
  const usage = `\`${display} pause [-- REASON]\` or \`${display} resume\``;
  if (action === "resume" && more.length === 0) return ok({ kind: "applies", action: "resume" });
  if (action === "pause" && (more.length === 0 || more[0] === "--")) {
    return ok({ kind: "applies", action: "pause", reason: more.slice(1).join(" ") });
  }
  return invalid(`${markdownCode(`${display}${rest}`.trim())} is not understood: use ${usage}`);
}

/** A comment's command line: its first line, trimmed. */
export function commandLineOf(body: string | undefined): string {
  // Whole, not cut short: a job keeps it to see, when it runs, whether its comment still says it,
  // and a `/state rm` of many addresses edited past any cut would still read as said.
  return (body ?? "").split(/\r\n|\n|\r/, 1)[0]?.trim() ?? "";
}

/** Whether GitHub shows a comment's first line as code (so it says no command, whatever it reads). */
export function firstLineIsCode(body: string): boolean {
  return indentedCodeBlock(firstLine(body));
}

/**
 * CommonMark, as GitHub renders a comment: a first line indented by four columns or more (a tab
 * reaches the next multiple of four; other whitespace is not indentation) opens an indented code
 * block.
 */
function indentedCodeBlock(line: string): boolean {
  let column = 0;
  for (const ch of line) {
    if (ch === " ") column += 1;
    else if (ch === "\t") column += 4 - (column % 4);
    else return false;
    if (column >= 4) return true;
  }
  return false;
}

function firstLine(body: string): string {
  const end = body.search(/[\r\n]/);
  return end < 0 ? body : body.slice(0, end);
}

/** Splits off the first whitespace-separated word; `rest` keeps everything after it. */
function splitWord(text: string): [word: string, rest: string] {
  const start = text.search(/\P{White_Space}/u);
  if (start < 0) return ["", ""];
  const from = text.slice(start);
  const end = from.search(WHITESPACE);
  return end < 0 ? [from, ""] : [from.slice(0, end), from.slice(end)];
}

function addressOf(line: string, allowAtlantis: boolean): Address {
  const [first, afterFirst] = splitWord(line);
  if (first.startsWith("/") && KEYWORDS.has(first.slice(1))) {
    return { type: "ours", keyword: first.slice(1) as Keyword, display: first, rest: afterFirst };
  }
  const isPrefix = (word: string) => word === "sluice" || (allowAtlantis && word === "atlantis");
  const [second, afterSecond] = splitWord(afterFirst);

  if (isPrefix(first)) {
    if (second === "") {
      return invalid(`\`${first}\` needs a command: \`${first} plan\`, \`${first} apply\`, \`${first} unlock\` or \`${first} help\``);
    }
    if (KEYWORDS.has(second)) {
      return { type: "ours", keyword: second as Keyword, display: `${first} ${second}`, rest: afterSecond };
    }
    const meant = commandSkeleton(second);
    if (KEYWORDS.has(meant)) return lookalike(`${first} ${second}`, `${first} ${meant}`);
    return invalid(`unknown command ${markdownCode(`${first} ${second}`)}`);
  }

  const meantFirst = commandSkeleton(first);
  if (meantFirst.startsWith("/") && KEYWORDS.has(meantFirst.slice(1))) return lookalike(first, meantFirst);
  if (isPrefix(meantFirst)) {
    const meantSecond = commandSkeleton(second);
    if (KEYWORDS.has(meantSecond)) return lookalike(`${first} ${second}`, `${meantFirst} ${meantSecond}`);
  }
  // A real slash and a word: clearly meant for a bot, so say it is not ours rather than stay silent.
  if (/^\/\p{L}/u.test(first)) return invalid(`unknown command ${markdownCode(first)}`);
  return { type: "none" };
}

function lookalike(typed: string, meant: string): Address {
  if (typed.toLowerCase() === meant) {
    return invalid(`${markdownCode(typed)} is not a command: commands are lowercase, did you mean \`${meant}\`?`);
  }
  const odd = Array.from(typed).find((ch) => (ch.codePointAt(0) ?? 0) > 0x7e);
  const which = odd === undefined ? "" : ` (${codePointName(odd)})`;
  return invalid(`${markdownCode(typed)} looks like \`${meant}\` but contains a lookalike character${which}; type it in plain ASCII`);
}
