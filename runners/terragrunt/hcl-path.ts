import type { TgPath } from "../../src/model/project-tree.js";
import type { SyntaxNode } from "./syntax-tree.js";

/**
 * What an expression of a terragrunt.hcl says about a path: a plain string, a path built on
 * `get_terragrunt_dir()`, `get_repo_root()`, `get_parent_terragrunt_dir()` or beside
 * `find_in_parent_folders(…)`, a remote source, or computed (not known before Terragrunt runs).
 */

const children = (node: SyntaxNode): SyntaxNode[] => node.children;

export const computed = (node: SyntaxNode): TgPath => ({ kind: "computed", text: node.text.slice(0, 200) });

/** What an expression says about a path (or a source address, `source`). */
export function pathOf(expression: SyntaxNode, source = false): TgPath {
  const literal = literalOf(expression);
  if (literal !== undefined) return literalPath(literal, source);
  const inner = children(expression)[0];
  if (inner?.type === "function_call") {
    const [name, args] = children(inner);
    const first = args?.type === "function_arguments" ? children(args)[0] : undefined;
    if (name?.text === "find_in_parent_folders") {
      const arg = first ? literalOf(first) : "terragrunt.hcl";
      return arg === undefined ? computed(expression) : { kind: "parent", name: arg };
    }
    return computed(expression);
  }
  // "${get_terragrunt_dir()}/rest" and "${get_repo_root()}/rest"
  const template = inner?.type === "template_expr" ? children(inner)[0] : undefined;
  if (template?.type !== "quoted_template") return computed(expression);
  const parts = children(template).filter((n) => n.type !== "quoted_template_start" && n.type !== "quoted_template_end");
  const [head, ...rest] = parts;
  const fn = head?.type === "template_interpolation" ? children(head).find((n) => n.type === "expression") : undefined;
  // `"${find_in_parent_folders()}"`, HCL1's spelling still common in live repos: the one
  // interpolation is the value (a root it includes is configuration, not a unit).
  // A lone `"${get_terragrunt_dir()}"` is no such value (a bare call is computed): read on below.
  const alone = fn && rest.length === 0 ? pathOf(fn, source) : undefined;
  if (alone && alone.kind !== "computed") return alone;
  const call = fn ? children(fn)[0] : undefined;
  const base = call?.type === "function_call" && children(call).length === 1 ? children(call)[0]?.text : undefined;
  if (rest.some((n) => n.type !== "template_literal")) return computed(expression);
  const tail = hclUnescape(rest.map((n) => n.text).join("")).replace(/^\/+/, "");
  if (base === "get_terragrunt_dir") return { kind: "unit", path: subdirOf(tail) || "." };
  if (base === "get_repo_root") return { kind: "repo", path: subdirOf(tail) || "." };
  if (base === "get_parent_terragrunt_dir") return { kind: "including", path: subdirOf(tail) || "." };
  // "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/x.hcl": beside the file found.
  const found = call?.type === "function_call" ? besideParent(call) : undefined;
  if (found !== undefined) return { kind: "parent", name: found, beside: subdirOf(tail) || "." };
  return computed(expression);
}

/** `dirname(find_in_parent_folders("x"))`: the name looked for; undefined for anything else. */
function besideParent(call: SyntaxNode): string | undefined {
  const [name, args] = children(call);
  if (name?.text !== "dirname" || args?.type !== "function_arguments") return undefined;
  const inner = children(children(args)[0] as SyntaxNode)[0];
  if (inner?.type !== "function_call") return undefined;
  const [fn, innerArgs] = children(inner);
  if (fn?.text !== "find_in_parent_folders") return undefined;
  const first = innerArgs?.type === "function_arguments" ? children(innerArgs)[0] : undefined;
  return first ? literalOf(first) : "terragrunt.hcl";
}

/** A source address's `//subdir` part is where Terraform runs: `../modules//vpc` -> `../modules/vpc`. */
function subdirOf(path: string): string {
  return path.replace(/\?.*$/, "").replace(/([^/:])\/\/+/g, "$1/");
}

function literalPath(text: string, source: boolean): TgPath {
  if (text.startsWith("/")) return { kind: "absolute", text };
  if (source && !(text.startsWith("./") || text.startsWith("../"))) return { kind: "remote", text };
  if (/^[a-z][a-z0-9+.-]*::|^[a-z]+:\/\//i.test(text)) return { kind: "remote", text };
  return { kind: "relative", path: subdirOf(text) || "." };
}

/** The value of an expression that is a plain string (no interpolation), or undefined. */
export function literalOf(expression: SyntaxNode): string | undefined {
  const inner = expression.type === "expression" ? children(expression)[0] : expression;
  if (inner?.type === "literal_value") {
    const s = children(inner)[0];
    return s?.type === "string_lit" ? literalText(s) : undefined;
  }
  if (inner?.type === "template_expr") {
    const q = children(inner)[0];
    if (q?.type !== "quoted_template") return undefined;
    const parts = children(q).filter((n) => n.type !== "quoted_template_start" && n.type !== "quoted_template_end");
    return parts.every((n) => n.type === "template_literal") ? hclUnescape(parts.map((n) => n.text).join("")) : undefined;
  }
  return undefined;
}

export function literalText(stringLit: SyntaxNode): string | undefined {
  const parts = children(stringLit).filter((n) => n.type !== "quoted_template_start" && n.type !== "quoted_template_end");
  return parts.every((n) => n.type === "template_literal") ? hclUnescape(parts.map((n) => n.text).join("")) : undefined;
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** HCL's string escapes (`\"`, `\\`, `\n`, `\uXXXX`) and the `$${` / `%%{` literals. */
function hclUnescape(raw: string): string {
  return raw
    .replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) =>
      e.length > 1 ? String.fromCodePoint(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
    )
    .replaceAll("$${", "${")
    .replaceAll("%%{", "%{");
}
