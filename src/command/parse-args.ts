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

  return commandOf(keyword, display, { filter, positionals, destroy, why, clearApprovals, driftAction, overrideWindow, overrideProtect });
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
