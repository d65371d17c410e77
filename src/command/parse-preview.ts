import type { ParseResult } from "../model/command.js";
import { parseDuration } from "../util/duration.js";
import { markdownCode } from "./markdown-code.js";
import { tokenizeArgs } from "./tokenize-args.js";
import { validateFilterValue } from "./validate-filter-value.js";

/** The longest `/preview extend`: a month (`max_age` still ends the preview sooner). */
const MAX_EXTEND_MS = 31 * 24 * 3600_000;

/** `/preview destroy|recreate [-p PROJECT]`, `/preview extend DURATION [-p PROJECT]`. */
export function parsePreview(display: string, rest: string): ParseResult {
  const invalid = (reason: string): ParseResult => ({ type: "invalid", reason });
  const usage = `\`${display} destroy\`, \`${display} recreate\` or \`${display} extend 24h\`, each with an optional \`-p PROJECT\``;
  const tokenized = tokenizeArgs(rest);
  if (!tokenized.ok) return invalid(tokenized.reason);
  const tokens = [...tokenized.tokens];
  let project: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    const m = /^(-p|--project)(?:=(.*))?$/s.exec(t);
    if (!m) continue;
    const value = m[2] ?? tokens[i + 1];
    if (project !== undefined || value === undefined) return invalid(`give \`-p PROJECT\` once, with a value: ${usage}`);
    const checked = validateFilterValue("project", value);
    if (!checked.ok) return invalid(checked.reason);
    project = checked.value;
    tokens.splice(i, m[2] === undefined ? 2 : 1);
    i--;
  }
  const [action, ...more] = tokens;
  const filter = project === undefined ? {} : { project };
  if ((action === "destroy" || action === "recreate") && more.length === 0) {
    return { type: "command", command: { kind: "preview", action, filter } };
  }
  if (action === "extend" && more.length === 1) {
    const ms = parseDuration(more[0] as string);
    if (ms === undefined || ms > MAX_EXTEND_MS) {
      return invalid(`${markdownCode(more[0] as string)} is not a duration of at most 31d: use e.g. \`24h\` or \`3d\``);
    }
    return { type: "command", command: { kind: "preview", action: "extend", extendMs: ms, filter } };
  }
  return invalid(`${markdownCode(`${display}${rest}`.trim())} is not understood: use ${usage}`);
}
