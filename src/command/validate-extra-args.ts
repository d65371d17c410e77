import { codePointName, markdownCode } from "./markdown-code.js";
import { normalizeRelativePath } from "./normalize-relative-path.js";

export type ExtraArgsResult = { ok: true; args: string[] } | { ok: false; reason: string };

export const MAX_EXTRA_ARGS = 32;
const MAX_ADDRESS_LENGTH = 512;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const ADDRESS = /^[A-Za-z0-9_.[\]"\-:/]+$/;

/** How a flag takes its value; `check` returns the normalized value or a reason. */
type FlagSpec =
  | { kind: "switch" }
  | { kind: "bool" }
  | { kind: "value"; check: (value: string, flag: string) => { value: string } | { reason: string } };

const ALLOWED: ReadonlyMap<string, FlagSpec> = new Map<string, FlagSpec>([
  ["var", { kind: "value", check: checkVar }],
  ["var-file", { kind: "value", check: checkVarFile }],
  ["target", { kind: "value", check: checkAddress }],
  ["replace", { kind: "value", check: checkAddress }],
  ["refresh", { kind: "bool" }],
  ["refresh-only", { kind: "switch" }],
  ["destroy", { kind: "switch" }],
  ["parallelism", { kind: "value", check: checkParallelism }],
  ["compact-warnings", { kind: "switch" }],
  ["lock-timeout", { kind: "value", check: checkLockTimeout }],
]);

// Refused by name with the reason, because each one would let a PR comment change where state,
// plans or providers come from, or how Sluice reads the output.
const DENIED: ReadonlyMap<string, string> = new Map([
  ["chdir", "Sluice runs each project in its own directory"],
  ["state", "state comes from the configured backend"],
  ["state-out", "state comes from the configured backend"],
  ["backup", "state comes from the configured backend"],
  ["plugin-dir", "providers come from `terraform init` and the lock file"],
  ["lock", "Sluice always locks state"],
  ["out", "Sluice saves the plan file itself"],
  ["input", "runs are never interactive"],
  ["auto-approve", "apply with `/apply` after review"],
  ["no-color", "Sluice controls the output format"],
  ["json", "Sluice controls the output format"],
  ["generate-config-out", "it writes files into the checkout"],
]);

const ALLOWED_LIST = [...ALLOWED.keys()].map((name) => `\`-${name}\``).join(", ");

/**
 * Checks Terraform arguments given after `--` against an allowlist and normalizes them to
 * `-flag=value` (or `-flag` for switches), so what runs is exactly what was checked.
 * Values stay literal argv entries: nothing here or downstream passes them through a shell.
 */
export function validateExtraArgs(args: string[]): ExtraArgsResult {
  if (args.length > MAX_EXTRA_ARGS) {
    return { ok: false, reason: `too many extra arguments (${args.length}, at most ${MAX_EXTRA_ARGS})` };
  }
  for (const arg of args) {
    const hidden = HIDDEN.exec(arg);
    if (hidden) {
      return {
        ok: false,
        reason: `extra argument ${markdownCode(arg)} contains a control or invisible character (${codePointName(hidden[0])})`,
      };
    }
  }

  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    // Terraform's flag parser takes `--name` as `-name`, so both spellings are checked the same way.
    const match = /^--?([^=-][^=]*)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (match === null || name === undefined) {
      return {
        ok: false,
        reason: `unexpected extra argument ${markdownCode(arg)}: only Terraform flags such as \`-var\` are allowed`,
      };
    }
    const flag = `-${name}`;
    const inline = match[2];
    const denied = DENIED.get(name);
    if (denied !== undefined) return { ok: false, reason: `${markdownCode(flag)} is not allowed: ${denied}` };
    const spec = ALLOWED.get(name);
    if (spec === undefined) {
      return { ok: false, reason: `${markdownCode(flag)} is not an allowed extra argument (allowed: ${ALLOWED_LIST})` };
    }

    if (spec.kind === "switch") {
      if (inline !== undefined) return { ok: false, reason: `${markdownCode(flag)} takes no value` };
      out.push(flag);
      continue;
    }

    if (spec.kind === "bool") {
      let value = inline;
      const next = args[i + 1];
      // `-refresh false` is what people type; Terraform itself would read it as `-refresh` plus a
      // stray argument, so the value is folded in here.
      if (value === undefined && (next === "true" || next === "false")) {
        value = next;
        i++;
      }
      value ??= "true";
      if (value !== "true" && value !== "false") {
        return { ok: false, reason: `${markdownCode(flag)} must be \`true\` or \`false\`` };
      }
      out.push(`${flag}=${value}`);
      continue;
    }

    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("-")) {
        return { ok: false, reason: `${markdownCode(flag)} needs a value` };
      }
      value = next;
      i++;
    }
    if (value === "") return { ok: false, reason: `${markdownCode(flag)} needs a value` };
    const checked = spec.check(value, flag);
    if ("reason" in checked) return { ok: false, reason: checked.reason };
    out.push(`${flag}=${checked.value}`);
  }
  return { ok: true, args: out };
}

function checkVar(value: string, flag: string): { value: string } | { reason: string } {
  const eq = value.indexOf("=");
  if (eq < 0) return { reason: `${markdownCode(flag)} value ${markdownCode(value)} must look like \`name=value\`` };
  const name = value.slice(0, eq);
  if (!IDENTIFIER.test(name)) {
    return {
      reason: `${markdownCode(flag)} value ${markdownCode(value)}: ${markdownCode(name)} is not a variable name`,
    };
  }
  return { value };
}

function checkVarFile(value: string, flag: string): { value: string } | { reason: string } {
  const path = normalizeRelativePath(value);
  if (!path.ok) return { reason: `${markdownCode(flag)} path ${markdownCode(value)} is refused: ${path.reason}` };
  if (path.path === ".") return { reason: `${markdownCode(flag)} needs a file, not ${markdownCode(value)}` };
  return { value: path.path };
}

function checkAddress(value: string, flag: string): { value: string } | { reason: string } {
  if (value.length > MAX_ADDRESS_LENGTH) {
    return { reason: `${markdownCode(flag)} value is longer than ${MAX_ADDRESS_LENGTH} characters` };
  }
  if (!ADDRESS.test(value) || value.startsWith("-")) {
    return { reason: `${markdownCode(flag)} value ${markdownCode(value)} is not a resource address` };
  }
  return { value };
}

function checkParallelism(value: string, flag: string): { value: string } | { reason: string } {
  const n = /^[1-9][0-9]{0,2}$/.test(value) ? Number(value) : 0;
  if (n < 1 || n > 256) return { reason: `${markdownCode(flag)} must be a whole number from 1 to 256` };
  return { value: String(n) };
}

function checkLockTimeout(value: string, flag: string): { value: string } | { reason: string } {
  if (!/^[0-9]{1,6}[smh]$/.test(value)) {
    return { reason: `${markdownCode(flag)} must be a duration such as \`30s\`, \`5m\` or \`1h\`` };
  }
  return { value };
}
