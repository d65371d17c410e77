import type { Command, ParseResult, ProjectFilter } from "../model/command.js";
import { codePointName, markdownCode } from "./markdown-code.js";
import { tokenizeArgs } from "./tokenize-args.js";
import { type FilterKey, validateFilterValue } from "./validate-filter-value.js";
import { validateExtraArgs } from "./validate-extra-args.js";

/** The commands that take a project filter and arguments (parseComment reads the others). */
export type ArgsKeyword = "plan" | "apply" | "unlock" | "import" | "state" | "approve_policies" | "drift";

const MAX_POSITIONAL = 512;
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
 * A command's arguments after its keyword: the project filter (`-p`, `-d`, `-w`), each command's
 * own flags and positionals, and Terraform's arguments after `--` for `/plan` (allowlisted).
 */
export function parseArgs(keyword: ArgsKeyword, display: string, rest: string): ParseResult {
  const tokenized = tokenizeArgs(rest);
  if (!tokenized.ok) return invalid(tokenized.reason);
  let tokens = tokenized.tokens;
  const read: ReadArgs = {
    filter: {},
    positionals: [],
    destroy: false,
    why: false,
    clearApprovals: false,
    driftAction: "check",
    overrideWindow: false,
    overrideProtect: false,
  };
  if (keyword === "drift" && (tokens[0] === "pause" || tokens[0] === "resume")) {
    read.driftAction = tokens[0];
    tokens = tokens.slice(1);
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (token === "--") return afterDoubleDash(keyword, display, read, tokens.slice(i + 1));
    if (readCommandFlag(keyword, token, read)) continue;
    const flag = readFilterFlag(token, tokens[i + 1], read.filter);
    if (typeof flag === "number") {
      i += flag;
      continue;
    }
    if (flag !== undefined) return flag;
    const stray = readPositional(keyword, display, token, read.positionals);
    if (stray !== undefined) return stray;
  }
  return commandOf(keyword, display, read);
}

/** What the loop of parseArgs read, as the command it makes. */
interface ReadArgs {
  filter: ProjectFilter;
  positionals: string[];
  destroy: boolean;
  why: boolean;
  clearApprovals: boolean;
  driftAction: "check" | "pause" | "resume";
  overrideWindow: boolean;
  overrideProtect: boolean;
}

/** What follows `--`: a `/drift pause`'s reason, an override's reason, or a `/plan`'s Terraform arguments. */
function afterDoubleDash(keyword: ArgsKeyword, display: string, read: ReadArgs, after: string[]): ParseResult {
  const { filter, overrideWindow, overrideProtect } = read;
  const cmd = `\`${display}\``;
  if (keyword === "drift") {
    if (read.driftAction !== "pause")
      return invalid(`${cmd} does not take extra arguments; only \`/drift pause -p PROJECT -- REASON\` takes a reason`);
    return driftCommand(read.driftAction, filter, after.join(" "));
  }
  if (keyword === "apply" && (overrideWindow || overrideProtect)) {
    const reason = after.join(" ").trim();
    if (!reason)
      return invalid(`${cmd} ${overrideFlags(overrideWindow, overrideProtect)} needs a reason after \`--\`: it is recorded in the audit`);
    return ok({
      kind: "apply",
      filter,
      ...(overrideWindow ? { overrideWindow: { reason } } : {}),
      ...(overrideProtect ? { overrideProtect: { reason } } : {}),
    });
  }
  if (keyword === "apply") return invalid(`${cmd} does not take extra arguments: it applies the saved plan`);
  if (keyword !== "plan") return invalid(`${cmd} does not take extra arguments`);
  if (read.why) return invalid(`\`${display} --why\` plans nothing, so it takes no Terraform arguments`);
  const extra = validateExtraArgs(after);
  if (!extra.ok) return invalid(extra.reason);
  const args = read.destroy && !extra.args.includes("-destroy") ? ["-destroy", ...extra.args] : extra.args;
  return ok({ kind: "plan", filter, extraArgs: args });
}

/** A flag of the command's own (not the filter's), noted in `read`; false when the token is none. */
function readCommandFlag(keyword: ArgsKeyword, token: string, read: ReadArgs): boolean {
  // `/plan -destroy` is `/plan -- -destroy`: a teardown plan, said where the flags are.
  if (keyword === "plan" && token === "-destroy") read.destroy = true;
  else if (keyword === "plan" && token === "--why") read.why = true;
  else if (keyword === "apply" && token === "--override-window") read.overrideWindow = true;
  else if (keyword === "apply" && token === "--override-protect") read.overrideProtect = true;
  // Atlantis' spelling: forget the policy approvals of the current plans instead of adding one.
  else if (keyword === "approve_policies" && token === "--clear-policy-approval") read.clearApprovals = true;
  else return false;
  return true;
}

/**
 * A filter flag (`-p x`, `--dir=x`) set in `filter`: how many tokens after this one it took (its
 * value's), why it is refused, or undefined when the token is no filter flag.
 */
function readFilterFlag(token: string, next: string | undefined, filter: ProjectFilter): number | ParseResult | undefined {
  const flag = FLAG.exec(token);
  const flagName = flag?.[1];
  const key = flagName === undefined ? undefined : FLAGS.get(flagName);
  if (flag === null || flagName === undefined || key === undefined) return undefined;
  if (filter[key] !== undefined) return invalid(`${markdownCode(flagName)} is given more than once`);
  let value = flag[2];
  let took = 0;
  // No project, dir or workspace starts with `-`: `-p -d x` means the value was forgotten.
  if (value === undefined && next !== undefined && !next.startsWith("-")) {
    value = next;
    took = 1;
  }
  if (value === undefined || value === "") return invalid(`${markdownCode(flagName)} needs a value`);
  const checked = validateFilterValue(key, value);
  if (!checked.ok) return invalid(checked.reason);
  filter[key] = checked.value;
  return took;
}

/** Any other token: a positional of `/import` and `/state`, kept in `positionals`; for the rest, why it is refused. */
function readPositional(keyword: ArgsKeyword, display: string, token: string, positionals: string[]): ParseResult | undefined {
  if (token.startsWith("-") && token.length > 1) return invalid(unknownFlag(token, keyword, display));
  if (DASH_LOOKALIKE.test(token)) {
    const dash = Array.from(token)[0] ?? "";
    return invalid(`${markdownCode(token)} starts with a dash lookalike (${codePointName(dash)}); type flags with the ASCII \`-\``);
  }
  if (keyword !== "import" && keyword !== "state")
    return invalid(`unexpected argument ${markdownCode(token)}: \`${display}\` takes only the flags \`-p\`, \`-d\` and \`-w\``);
  if (token.length > MAX_POSITIONAL) return invalid(`${markdownCode(token.slice(0, 40))}… is longer than ${MAX_POSITIONAL} characters`);
  positionals.push(token);
  return undefined;
}

/** The command a keyword makes of its read arguments, or why they do not fit it. */
function commandOf(keyword: ArgsKeyword, display: string, read: ReadArgs): ParseResult {
  const { filter, positionals, destroy, why, clearApprovals, driftAction, overrideWindow, overrideProtect } = read;
  const cmd = `\`${display}\``;
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

function unknownFlag(token: string, keyword: ArgsKeyword, display: string): string {
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

export function invalid(reason: string): { type: "invalid"; reason: string } {
  return { type: "invalid", reason };
}

export function ok(command: Command): ParseResult {
  return { type: "command", command };
}
