import type { z } from "zod";
import { formatPath, type KeyPath, showValue } from "./format-path.js";
import type { YamlLocator } from "./yaml-locator.js";

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

/** Zod issues as `<path>: <message> (line N)`, one per problem, in document order. */
export function describeIssues(issues: readonly Issue[], data: unknown, locator: YamlLocator): string[] {
  const found: { path: Path; message: string }[] = [];
  for (const issue of issues) collect(issue, [], data, locator, found);
  const lines = found.map((f) => ({ line: locator.line(f.path), text: `${formatPath(f.path)}: ${f.message}` }));
  lines.sort((a, b) => a.line - b.line);
  return [...new Set(lines.map((l) => `${l.text} (line ${l.line})`))];
}

function collect(issue: Issue, base: Path, data: unknown, locator: YamlLocator, out: { path: Path; message: string }[]): void {
  const path: Path = [...base, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  const value = valueAt(data, path);
  switch (issue.code) {
    case "unrecognized_keys":
      for (const key of issue.keys) out.push({ path: [...path, key], message: "unknown key" });
      return;
    case "invalid_union": {
      if (value === undefined) {
        out.push({ path, message: "is required" });
        return;
      }
      const branch = pickBranch(issue.errors);
      if (branch === undefined) {
        out.push({ path, message: `${issue.message}, got ${showValue(value)}` });
        return;
      }
      for (const inner of branch) collect(inner, path, data, locator, out);
      return;
    }
    case "invalid_type":
      out.push({ path, message: typeMessage(issue.expected, value, locator.source(path)) });
      return;
    case "invalid_value": {
      const options = issue.values.map((v) => String(v));
      const what = options.length === 1 ? `must be ${options[0]}` : `must be one of ${options.join(", ")}`;
      out.push({ path, message: `${what}, got ${showValue(value)}` });
      return;
    }
    case "too_small":
      out.push({ path, message: sizeMessage(issue.origin, "at least", Number(issue.minimum)) });
      return;
    case "too_big":
      out.push({ path, message: sizeMessage(issue.origin, "at most", Number(issue.maximum)) });
      return;
    case "invalid_key": {
      const inner = issue.issues[0];
      const why = inner?.code === "too_small" ? "must not be empty" : inner?.code === "invalid_format" ? inner.message : "is invalid";
      out.push({ path, message: `key ${why}` });
      return;
    }
    case "invalid_format":
    case "custom":
      // A secret_set value that fails the name check may well be the secret itself: never echo it.
      if (path.includes("secret_set")) out.push({ path, message: issue.message });
      else out.push({ path, message: `${issue.message}, got ${showValue(value)}` });
      return;
    default:
      out.push({ path, message: issue.message });
  }
}

/**
 * Which alternative of a union the author meant: the only one that failed below its root (the
 * key matched, the content did not); else the only one whose type matched at the root. Undefined
 * when that is ambiguous: the union's own message then lists the forms.
 */
function pickBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const deep = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  if (deep.length === 1) return deep[0];
  if (deep.length > 1) return undefined;
  const typed = branches.filter((b) => b.length > 0 && !b.some((i) => i.path.length === 0 && i.code === "invalid_type"));
  return typed.length === 1 ? typed[0] : undefined;
}

function typeMessage(expected: string, value: unknown, source: string | undefined): string {
  if (value === undefined) return "is required";
  const what = EXPECTED[expected] ?? `a ${expected}`;
  const got = showValue(value);
  if (expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
    return `must be a string, got ${got} (quote it: "${source ?? got}")`;
  }
  return `must be ${what}, got ${got}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

function sizeMessage(origin: string, bound: "at least" | "at most", n: number): string {
  if (origin === "string") {
    if (bound === "at least" && n === 1) return "must not be empty";
    return `must be ${bound} ${n} characters long`;
  }
  if (origin === "array" || origin === "set") {
    if (bound === "at least" && n === 1) return "must not be empty";
    return `must have ${bound} ${n} items`;
  }
  return `must be ${bound} ${n}`;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = Object.hasOwn(value, segment) ? (value as Record<string | number, unknown>)[segment] : undefined;
  }
  return value;
}
