import { createRequire } from "node:module";
import { Language, type Node, Parser } from "web-tree-sitter";
import type { TgFile, TgPath, TgRef } from "../../src/model/project-tree.js";

/** Functions whose first argument names a file Terragrunt reads. */
const READ_FUNCTIONS = new Set(["read_terragrunt_config", "file", "templatefile", "read_tfvars_file", "find_in_parent_folders"]);
const READ_CALL = /^(?:read_terragrunt_config|file|templatefile|read_tfvars_file|find_in_parent_folders)\s*\(/;
const READ_CALL_ANYWHERE = /\b(?:read_terragrunt_config|file|templatefile|read_tfvars_file|find_in_parent_folders)\s*\(/;
/** The blocks whose attributes name paths (`include`, `dependency`, `dependencies`, `terraform`). */
const PATH_BLOCK = /^(?:include|dependency|dependencies|terraform)\b/;

let loading: Promise<Parser> | undefined;

/**
 * The HCL2 parser (tree-sitter's HCL grammar, run as WebAssembly): loaded once per process, on
 * first use, so servers with no Terragrunt repository never pay for it.
 */
export function hclParser(): Promise<Parser> {
  loading ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm");
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  })();
  return loading;
}

/**
 * What a Terragrunt file includes, reads, depends on and uses as its Terraform source, from its
 * syntax tree: `include` blocks' `path`, `dependency` blocks' `config_path`, `dependencies.paths`,
 * `terraform.source`, and each call of a function that reads a file (`read_terragrunt_config`,
 * `find_in_parent_folders`, `file`, …) anywhere in the file. Nothing is evaluated: a path is known
 * when it is a literal, or a literal after `get_terragrunt_dir()` / `get_repo_root()`, or a
 * `find_in_parent_folders("name")`; anything else is `computed`.
 */
export function parseTerragruntHcl(parser: Parser, text: string): TgFile {
  const tree = parser.parse(text);
  if (!tree) return { refs: [], error: "the file could not be parsed" };
  try {
    const root = tree.rootNode;
    if (root.hasError) return { refs: [], error: `HCL syntax error near line ${firstError(root) + 1}` };
    const refs: TgRef[] = [];
    // Node objects cost most of the time after the parse itself: only the top-level blocks that
    // name paths and the calls of functions that read files are made into nodes.
    const cursor = root.walk();
    // A getter whose value moves with the cursor: read afresh each time (not narrowed).
    const at = (): string => cursor.nodeType;
    try {
      if (cursor.gotoFirstChild() && at() === "body" && cursor.gotoFirstChild()) {
        do {
          if (at() === "block" && PATH_BLOCK.test(cursor.nodeText)) blockRefs(cursor.currentNode, refs);
        } while (cursor.gotoNextSibling());
      }
    } finally {
      cursor.delete();
    }
    if (READ_CALL_ANYWHERE.test(text)) {
      const calls = root.descendantsOfType("function_call").filter((n): n is Node => n !== null && READ_CALL.test(n.text));
      refs.push(...functionCalls(calls));
    }
    return { refs };
  } finally {
    tree.delete();
  }
}

function children(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => n !== null);
}

function firstError(node: Node): number {
  const stack = [node];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "ERROR" || n.isMissing) return n.startPosition.row;
    stack.push(...children(n).reverse());
  }
  return node.startPosition.row;
}

/** `dependency "db" {` -> ["dependency", "db"]. */
function blockHead(block: Node): string[] {
  const head: string[] = [];
  for (const n of children(block)) {
    if (n.type === "identifier") head.push(n.text);
    else if (n.type === "string_lit") head.push(literalText(n) ?? "");
    else break;
  }
  return head;
}

/** A block's attributes by name (their expressions); nested blocks are left out. */
function blockAttributes(block: Node): Map<string, Node> {
  const attrs = new Map<string, Node>();
  const body = children(block).find((n) => n.type === "body");
  for (const a of body ? children(body) : []) {
    if (a.type !== "attribute") continue;
    const [name, value] = children(a);
    if (name && value) attrs.set(name.text, value);
  }
  return attrs;
}

function tupleElements(expression: Node): Node[] {
  const tuple = children(expression)[0]?.type === "collection_value" ? children(children(expression)[0] as Node)[0] : undefined;
  return tuple?.type === "tuple" ? children(tuple).filter((n) => n.type === "expression") : [];
}

/** What the blocks Terragrunt reads paths from say: `include`, `dependency`, `dependencies`, `terraform`. */
function blockRefs(item: Node, refs: TgRef[]): void {
  const [type, ...labels] = blockHead(item);
  if (type !== "include" && type !== "dependency" && type !== "dependencies" && type !== "terraform") return;
  const attrs = blockAttributes(item);
  if (type === "include") {
    const path = attrs.get("path");
    if (path) refs.push({ kind: "include", name: labels[0] ?? "", path: pathOf(path) });
  } else if (type === "dependency") {
    const path = attrs.get("config_path");
    if (path) refs.push({ kind: "dependency", name: labels[0] ?? "", path: pathOf(path) });
  } else if (type === "dependencies") {
    const paths = attrs.get("paths");
    for (const element of paths ? tupleElements(paths) : []) refs.push({ kind: "dependency", path: pathOf(element) });
  } else {
    const source = attrs.get("source");
    if (source) refs.push({ kind: "source", path: pathOf(source, true) });
  }
}

/** Every call of a function that reads a file, with its first argument as a path. */
function functionCalls(found: Node[]): TgRef[] {
  const refs: TgRef[] = [];
  for (const call of found) {
    const [name, args] = children(call);
    if (!name || !READ_FUNCTIONS.has(name.text)) continue;
    const first = args?.type === "function_arguments" ? children(args)[0] : undefined;
    if (name.text !== "find_in_parent_folders") {
      if (first) refs.push({ kind: "read", name: name.text, path: pathOf(first) });
      continue;
    }
    // Its result is a path: read by the call or block around it (counted there), or by whatever
    // uses the value (a local passed on), counted here.
    if (usedInPlace(call)) continue;
    const arg = first ? literalOf(first) : "terragrunt.hcl";
    refs.push({ kind: "read", name: name.text, path: arg === undefined ? computed(call) : { kind: "parent", name: arg } });
  }
  return refs;
}

/** A `find_in_parent_folders(…)` that is the argument of a reading function or an `include`'s `path`. */
function usedInPlace(call: Node): boolean {
  const expression = call.parent;
  const holder = expression?.parent;
  if (holder?.type === "function_arguments") {
    const fn = holder.parent ? children(holder.parent)[0]?.text : undefined;
    return fn !== undefined && READ_FUNCTIONS.has(fn) && children(holder)[0]?.id === expression?.id;
  }
  if (holder?.type !== "attribute" || children(holder)[0]?.text !== "path") return false;
  const block = holder.parent?.parent;
  return block?.type === "block" && children(block)[0]?.text === "include";
}

const computed = (node: Node): TgPath => ({ kind: "computed", text: node.text.slice(0, 200) });

/** What an expression says about a path (or a source address, `source`). */
function pathOf(expression: Node, source = false): TgPath {
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
function besideParent(call: Node): string | undefined {
  const [name, args] = children(call);
  if (name?.text !== "dirname" || args?.type !== "function_arguments") return undefined;
  const inner = children(children(args)[0] as Node)[0];
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
function literalOf(expression: Node): string | undefined {
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

function literalText(stringLit: Node): string | undefined {
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
