import { createRequire } from "node:module";
import { Language, type Node, type ParseOptions, Parser, type Tree, type TreeCursor } from "web-tree-sitter";
import { copySubtree, type NodeKinds, nodeKinds, type SyntaxNode } from "./syntax-tree.js";
import type { TgFile, TgRef } from "../../src/model/project-tree.js";
import { computed, literalOf, literalText, pathOf } from "./hcl-path.js";
import { TERRAFORM_FILE_FUNCTIONS } from "../terraform/find-file-reads.js";
import { NOT_PARSED, type ReadBudget, spend } from "./parse-budget.js";

/**
 * Functions whose first argument names a file Terragrunt reads: its own, and every Terraform
 * function that reads one (as find-file-reads.ts knows them for .tf files). A file read through
 * one left out is no file of the unit's: a change to it plans nothing, and its code owners are
 * not asked (`filebase64("../common/boot.sh")`, `sops_decrypt_file("secrets.enc.yaml")`).
 */
const READ_NAMES = [
  "read_terragrunt_config",
  "find_in_parent_folders",
  "read_tfvars_file",
  "sops_decrypt_file",
  ...TERRAFORM_FILE_FUNCTIONS,
];
const READ_FUNCTIONS = new Set(READ_NAMES);
const READ_CALL = new RegExp(`^(?:${READ_NAMES.join("|")})\\s*\\(`);
const READ_CALL_ANYWHERE = new RegExp(`\\b(?:${READ_NAMES.join("|")})\\s*\\(`);
/** The blocks whose attributes name paths (`include`, `dependency`, `dependencies`, `terraform`). */
const PATH_BLOCK = /^(?:include|dependency|dependencies|terraform)\b/;
/** The attributes of those blocks that name a path (blockRefs reads them). */
const PATH_ATTRIBUTE = /^(?:path|config_path|paths|source)\b/;

let loading: Promise<HclParser> | undefined;

/**
 * How long one file's parse may take. A PR's `.hcl` files are parsed on the server's own thread,
 * and tree-sitter's error recovery is worse than quadratic on some inputs (strings of nested
 * `"${"${…}"}"`, which its grammar does not take: 150 KB of them took minutes), so a parse past
 * this is cancelled and the file counts as one that is not valid HCL. Real files take milliseconds.
 */
export const PARSE_BUDGET_MS = 2_000;

/** A parse cancelled at its budget: not a fact about the file (a busy server is slower), so never kept on disk. */
export const TOO_SLOW_TO_PARSE = `the file took more than ${PARSE_BUDGET_MS / 1000} s to parse (Sluice stops there): not followed`;

/** The parser with what the walk over its trees needs to know of the grammar's node types. */
export interface HclParser {
  parser: Parser;
  kinds: NodeKinds;
}

/**
 * The HCL2 parser (tree-sitter's HCL grammar, run as WebAssembly): loaded once per process, on
 * first use, so servers with no Terragrunt repository never pay for it.
 */
export function hclParser(): Promise<HclParser> {
  loading ??= (async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const language = await Language.load(require.resolve("@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm"));
    const types: {
      type: string;
      named: boolean;
      children?: unknown;
      fields?: unknown;
    }[] = require("@tree-sitter-grammars/tree-sitter-hcl/src/node-types.json");
    const leaves = new Set(types.filter((t) => t.named && !t.children && !t.fields).map((t) => t.type));
    const parser = new Parser();
    parser.setLanguage(language);
    return { parser, kinds: nodeKinds(language, leaves) };
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
export function parseTerragruntHcl(hcl: HclParser, text: string, budgetMs = PARSE_BUDGET_MS, read?: ReadBudget): TgFile {
  let last = performance.now();
  const deadline = last + budgetMs;
  let readSpent = false;
  // tree-sitter cancels a parse whose progress callback returns true (the typings say void).
  const tooLong = (() => {
    const now = performance.now();
    if (read) {
      readSpent = spend(read, now - last);
      last = now;
    }
    return readSpent || now > deadline;
  }) as unknown as ParseOptions["progressCallback"];
  try {
    const tree = hcl.parser.parse(text, null, { progressCallback: tooLong });
    if (!tree) {
      // A cancelled parse resumes at the next call unless the parser is reset.
      hcl.parser.reset();
      const error = performance.now() > deadline ? TOO_SLOW_TO_PARSE : readSpent ? NOT_PARSED : "the file could not be parsed";
      return { refs: [], error };
    }
    return readTree(hcl.kinds, tree, text);
  } finally {
    if (read) spend(read, performance.now() - last);
  }
}

/** What a parsed file's tree says (see parseTerragruntHcl); the tree is freed. */
function readTree(kinds: NodeKinds, tree: Tree, text: string): TgFile {
  try {
    const root = tree.rootNode;
    if (root.hasError) return { refs: [], error: `HCL syntax error near line ${firstError(root) + 1}` };
    const refs: TgRef[] = [];
    const calls: SyntaxNode[] = [];
    const anyCall = READ_CALL_ANYWHERE.test(text);
    const cursor = root.walk();
    try {
      // Only the top-level items that can say anything are copied out of WebAssembly: the blocks
      // that name paths, and the items whose text calls a function that reads a file.
      if (toBody(cursor) && cursor.gotoFirstChild()) {
        do {
          const start = cursor.startIndex;
          const end = cursor.endIndex;
          const pathBlock = cursor.nodeTypeId === kinds.block && PATH_BLOCK.test(text.slice(start, start + 13));
          const callIn = anyCall && READ_CALL_ANYWHERE.test(text.slice(start, end));
          if (!pathBlock && !callIn) continue;
          const item = copySubtree(
            cursor.currentNode,
            text,
            kinds,
            (n) => {
              if (callIn && n.type === "function_call" && READ_CALL.test(n.text)) calls.push(n);
            },
            (n) => needed(n, pathBlock, callIn),
          );
          if (pathBlock) blockRefs(item, refs);
        } while (cursor.gotoNextSibling());
      }
    } finally {
      cursor.delete();
    }
    refs.push(...functionCalls(calls));
    return { refs };
  } catch (e) {
    // The walk over a path's expression recurses: ten thousand nested parentheses (20 KB) run
    // past the stack. The file is its unit's problem, as one that is not valid HCL is.
    if (e instanceof RangeError) return { refs: [], error: "its expressions are nested too deeply to be read" };
    throw e;
  } finally {
    tree.delete();
  }
}

/**
 * Whether an item's node is copied with its children: an attribute or nested block only when it
 * calls a function that reads a file, or (directly in a path block's body) names a path; so a
 * `dependency` block's `mock_outputs`, however big, stays in WebAssembly.
 */
function needed(n: SyntaxNode, pathBlock: boolean, callIn: boolean): boolean {
  if (n.type !== "attribute" && n.type !== "block") return true;
  if (n.parent === undefined) return true;
  if (callIn && READ_CALL_ANYWHERE.test(n.text)) return true;
  return pathBlock && n.type === "attribute" && n.parent.parent?.parent === undefined && PATH_ATTRIBUTE.test(n.text);
}

/** From the file's root to its body: a comment before the first item comes before the body. */
function toBody(cursor: TreeCursor): boolean {
  if (!cursor.gotoFirstChild()) return false;
  for (;;) {
    if (cursor.nodeType === "body") return true;
    if (!cursor.gotoNextSibling()) return false;
  }
}

const children = (node: SyntaxNode): SyntaxNode[] => node.children;

function firstError(node: Node): number {
  const stack = [node];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.type === "ERROR" || n.isMissing) return n.startPosition.row;
    stack.push(...n.namedChildren.filter((c): c is Node => c !== null).reverse());
  }
  return node.startPosition.row;
}

/** `dependency "db" {` -> ["dependency", "db"]. */
function blockHead(block: SyntaxNode): string[] {
  const head: string[] = [];
  for (const n of children(block)) {
    if (n.type === "identifier") head.push(n.text);
    else if (n.type === "string_lit") head.push(literalText(n) ?? "");
    else break;
  }
  return head;
}

/** A block's attributes by name (their expressions); nested blocks are left out. */
function blockAttributes(block: SyntaxNode): Map<string, SyntaxNode> {
  const attrs = new Map<string, SyntaxNode>();
  const body = children(block).find((n) => n.type === "body");
  for (const a of body ? children(body) : []) {
    if (a.type !== "attribute") continue;
    const [name, value] = children(a);
    if (name && value) attrs.set(name.text, value);
  }
  return attrs;
}

function tupleElements(expression: SyntaxNode): SyntaxNode[] {
  const tuple = children(expression)[0]?.type === "collection_value" ? children(children(expression)[0] as SyntaxNode)[0] : undefined;
  return tuple?.type === "tuple" ? children(tuple).filter((n) => n.type === "expression") : [];
}

/** What the blocks Terragrunt reads paths from say: `include`, `dependency`, `dependencies`, `terraform`. */
function blockRefs(item: SyntaxNode, refs: TgRef[]): void {
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
function functionCalls(found: SyntaxNode[]): TgRef[] {
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
function usedInPlace(call: SyntaxNode): boolean {
  const expression = call.parent;
  const holder = expression?.parent;
  if (holder?.type === "function_arguments") {
    const fn = holder.parent ? children(holder.parent)[0]?.text : undefined;
    return fn !== undefined && READ_FUNCTIONS.has(fn) && children(holder)[0] === expression;
  }
  if (holder?.type !== "attribute" || children(holder)[0]?.text !== "path") return false;
  const block = holder.parent?.parent;
  return block?.type === "block" && children(block)[0]?.text === "include";
}
