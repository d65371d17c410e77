import type { Command, ParseResult, ProjectFilter } from "../model/command.js";
import { commandSkeleton } from "./command-skeleton.js";
import { codePointName, markdownCode } from "./markdown-code.js";
import { tokenizeArgs } from "./tokenize-args.js";
import { parsePreview } from "./parse-preview.js";
import { type FilterKey, validateFilterValue } from "./validate-filter-value.js";
import { validateExtraArgs } from "./validate-extra-args.js";

export { USAGE } from "./usage.js";

export interface ParseCommentOptions {
  /** Also answer `atlantis plan` etc., for repositories moving over from Atlantis. */
  allowAtlantisPrefix?: boolean;
}

type Keyword = "plan" | "apply" | "unlock" | "import" | "state" | "approve_policies" | "applies" | "drift" | "preview" | "help";
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
const MAX_POSITIONAL = 512;
const MAX_LINE = 4096;
// Tab is ordinary spacing; every other control, format (zero-width, bidi), separator, surrogate or
// private-use character makes the command ambiguous to read, so it is refused.
const HIDDEN = /(?!\t)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;
const WHITESPACE = /\p{White_Space}/u;
const FLAGS: ReadonlyMap<string, FilterKey> = new Map<string, FilterKey>([
  ["-p", "project"],
  ["--project", "project"],
  ["-d", "dir"],
  ["--dir", "dir"],
  ["-w", "workspace"],
  ["--workspace", "workspace"],
]);
const FLAG = /^(-[pdw]|--project|--dir|--workspace)(?:=(.*))?$/s;
const DASH_LOOKALIKE = /^[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/u;

/**
 * Reads the first line of a PR comment as a Sluice command. Pure and total: any string gives a
 * result, never an exception. Lookalike spellings (other scripts, fullwidth forms, zero-width
 * characters, wrong case) are never accepted; when they imitate a command they get a hint.
 */
export function parseComment(body: string, opts: ParseCommentOptions = {}): ParseResult {
  const line = firstLine(body).trim();
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

function parseArgs(keyword: Exclude<Keyword, "help" | "applies" | "preview">, display: string, rest: string): ParseResult {
  const tokenized = tokenizeArgs(rest);
  if (!tokenized.ok) return invalid(tokenized.reason);
  let tokens = tokenized.tokens;
  const filter: ProjectFilter = {};
  const cmd = `\`${display}\``;
  let driftAction: "check" | "pause" | "resume" = "check";
  if (keyword === "drift" && (tokens[0] === "pause" || tokens[0] === "resume")) {
    driftAction = tokens[0];
    tokens = tokens.slice(1);
  }
  const positionals: string[] = [];
  const takesPositionals = keyword === "import" || keyword === "state";
  let clearApprovals = false;
  let overrideWindow = false;
  let overrideProtect = false;
  // `/plan -destroy` is `/plan -- -destroy`: a teardown plan, said where the flags are.
  let destroy = false;
  let why = false;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token === "--" && keyword === "drift") {
      if (driftAction !== "pause")
        return invalid(`${cmd} does not take extra arguments; only \`/drift pause -p PROJECT -- REASON\` takes a reason`);
      return driftCommand(driftAction, filter, tokens.slice(i + 1).join(" "));
    }
    if (token === "--" && keyword === "apply" && (overrideWindow || overrideProtect)) {
      const reason = tokens
        .slice(i + 1)
        .join(" ")
        .trim();
      if (!reason)
        return invalid(`${cmd} ${overrideFlags(overrideWindow, overrideProtect)} needs a reason after \`--\`: it is recorded in the audit`);
      return ok({
        kind: "apply",
        filter,
        ...(overrideWindow ? { overrideWindow: { reason } } : {}),
        ...(overrideProtect ? { overrideProtect: { reason } } : {}),
      });
    }
    if (token === "--") {
      if (keyword === "apply") return invalid(`${cmd} does not take extra arguments: it applies the saved plan`);
      if (keyword !== "plan") return invalid(`${cmd} does not take extra arguments`);
      if (why) return invalid(`\`${display} --why\` plans nothing, so it takes no Terraform arguments`);
      const extra = validateExtraArgs(tokens.slice(i + 1));
      if (!extra.ok) return invalid(extra.reason);
      const args = destroy && !extra.args.includes("-destroy") ? ["-destroy", ...extra.args] : extra.args;
      return ok({ kind: "plan", filter, extraArgs: args });
    }
    if (keyword === "plan" && token === "-destroy") {
      destroy = true;
      continue;
    }
    if (keyword === "plan" && token === "--why") {
      why = true;
      continue;
    }

    const flag = FLAG.exec(token);
    const flagName = flag?.[1];
    const key = flagName === undefined ? undefined : FLAGS.get(flagName);
    if (flag !== null && flagName !== undefined && key !== undefined) {
      if (filter[key] !== undefined) return invalid(`${markdownCode(flagName)} is given more than once`);
      let value = flag[2];
      if (value === undefined) {
        const next = tokens[i + 1];
        // No project, dir or workspace starts with `-`: `-p -d x` means the value was forgotten.
        if (next !== undefined && !next.startsWith("-")) {
          value = next;
          i++;
        }
      }
      if (value === undefined || value === "") return invalid(`${markdownCode(flagName)} needs a value`);
      const checked = validateFilterValue(key, value);
      if (!checked.ok) return invalid(checked.reason);
      filter[key] = checked.value;
      continue;
    }

    if (keyword === "apply" && token === "--override-window") {
      overrideWindow = true;
      continue;
    }
    if (keyword === "apply" && token === "--override-protect") {
      overrideProtect = true;
      continue;
    }
    // Atlantis' spelling: forget the policy approvals of the current plans instead of adding one.
    if (keyword === "approve_policies" && token === "--clear-policy-approval") {
      clearApprovals = true;
      continue;
    }
    if (token.startsWith("-") && token.length > 1) return invalid(unknownFlag(token, keyword, display));
    if (DASH_LOOKALIKE.test(token)) {
      const dash = Array.from(token)[0] ?? "";
      return invalid(`${markdownCode(token)} starts with a dash lookalike (${codePointName(dash)}); type flags with the ASCII \`-\``);
    }
    if (takesPositionals) {
      if (token.length > MAX_POSITIONAL) return invalid(`${markdownCode(token.slice(0, 40))}… is longer than ${MAX_POSITIONAL} characters`);
      positionals.push(token);
      continue;
    }
    return invalid(`unexpected argument ${markdownCode(token)}: ${cmd} takes only the flags \`-p\`, \`-d\` and \`-w\``);
  }

  if (keyword === "plan" && why && destroy) return invalid(`\`${display} --why\` plans nothing, so \`-destroy\` has no meaning with it`);
  if (keyword === "plan")
    return ok({ kind: "plan", filter, extraArgs: destroy ? ["-destroy"] : [], ...(why ? { why: true as const } : {}) });
  if (keyword === "approve_policies") return ok({ kind: "approve_policies", filter, clear: clearApprovals });
  if (keyword === "drift") return driftCommand(driftAction, filter, "");
  if (keyword === "import") {
    const [address, id, ...extra] = positionals;
    if (address === undefined || id === undefined || extra.length > 0) {
      return invalid(`${cmd} takes a resource address and an id: \`${display} [-p PROJECT] ADDRESS ID\``);
    }
    return ok({ kind: "import", filter, address, id });
  }
  if (keyword === "state") {
    const [sub, ...addresses] = positionals;
    if (sub === "push-errored") {
      if (addresses.length > 0) return invalid(`\`${display} push-errored\` takes no address: \`${display} push-errored -p PROJECT\``);
      return ok({ kind: "state_push", filter });
    }
    if (sub !== "rm")
      return invalid(
        `${cmd} supports \`rm\` and \`push-errored\`: \`${display} rm [-p PROJECT] ADDRESS…\` or \`${display} push-errored -p PROJECT\``,
      );
    if (addresses.length === 0) return invalid(`\`${display} rm\` needs at least one resource address`);
    return ok({ kind: "state_rm", filter, addresses });
  }
  if (keyword === "apply" && (overrideWindow || overrideProtect)) {
    return invalid(`${cmd} ${overrideFlags(overrideWindow, overrideProtect)} needs a reason after \`--\`: it is recorded in the audit`);
  }
  return ok({ kind: keyword, filter });
}

const overrideFlags = (window: boolean, protect: boolean) =>
  [window ? "--override-window" : "", protect ? "--override-protect" : ""].filter(Boolean).join(" ");

/** `/drift`, `/drift pause -p X -- reason`, `/drift resume -p X`: pausing names one project and says why. */
function driftCommand(action: "check" | "pause" | "resume", filter: ProjectFilter, reason: string): ParseResult {
  if (action === "check") return ok({ kind: "drift", action, filter });
  if (filter.project === undefined) return invalid(`\`/drift ${action}\` needs the project: \`/drift ${action} -p PROJECT\``);
  if (action === "pause" && reason.trim() === "") {
    return invalid("`/drift pause` needs a reason after `--`: `/drift pause -p PROJECT -- why it is paused`");
  }
  return ok({ kind: "drift", action, filter, ...(action === "pause" ? { reason: reason.trim().slice(0, 500) } : {}) });
}

function unknownFlag(token: string, keyword: Exclude<Keyword, "help" | "applies">, display: string): string {
  if (keyword === "import" || keyword === "state") {
    return `unknown flag ${markdownCode(token.split("=")[0] ?? token)} for \`${display}\`: use \`-p\`, \`-d\` or \`-w\` (addresses and ids never start with \`-\`)`;
  }
  const name = token.split("=")[0] ?? token;
  const long = /^-(project|dir|workspace)$/.exec(name)?.[1];
  if (long !== undefined) return `unknown flag ${markdownCode(name)}: did you mean \`--${long}\`?`;
  const after =
    keyword === "plan" ? "; put Terraform arguments after `--`" : keyword === "approve_policies" ? ", or `--clear-policy-approval`" : "";
  return `unknown flag ${markdownCode(name)} for \`${display}\`: use \`-p\`, \`-d\` or \`-w\`${after}`;
}

function invalid(reason: string): { type: "invalid"; reason: string } {
  return { type: "invalid", reason };
}

function ok(command: Command): ParseResult {
  return { type: "command", command };
}
