import { tokenizeArgs } from "../../command/tokenize-args.js";

export type SplitCommandResult = { ok: true; argv: string[]; shellSyntax?: string } | { ok: false; reason: string };

// What a shell would have interpreted. Sluice has no shell, so these reach the program literally;
// `$VAR` in particular (Atlantis' `$PLANFILE`, `$WORKSPACE`) is passed as the text `$VAR`.
const SHELL_SYNTAX: readonly [RegExp, string][] = [
  [/\$/, "`$`"],
  [/`/, "backticks"],
  [/\|/, "`|`"],
  [/&/, "`&`"],
  [/;/, "`;`"],
  [/[<>]/, "redirection"],
  [/\\/, "backslash escapes"],
  [/\S[^\S\n]*\n[^\S\n]*\S/, "several lines"],
];

/**
 * Splits a `run:` command line into argv with quote rules only (the comment parser's tokenizer):
 * `'…'` and `"…"` group, nothing is expanded. `shellSyntax` names the first shell feature found,
 * for a warning: the command will not behave as it would under `sh -c`.
 */
export function splitCommand(line: string): SplitCommandResult {
  const tokens = tokenizeArgs(line);
  if (!tokens.ok) return { ok: false, reason: tokens.reason };
  if (tokens.tokens.length === 0) return { ok: false, reason: "must not be empty" };
  const found = SHELL_SYNTAX.find(([pattern]) => pattern.test(line.trim()));
  if (found === undefined) return { ok: true, argv: tokens.tokens };
  return { ok: true, argv: tokens.tokens, shellSyntax: found[1] };
}
