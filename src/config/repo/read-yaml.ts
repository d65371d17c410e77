import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { formatPath, type KeyPath } from "./format-path.js";
import { createLocator, type YamlLocator } from "./yaml-locator.js";
import { errorMessage } from "../../util/errors.js";

export type ReadYamlResult = { ok: true; data: unknown; locator: YamlLocator } | { ok: false; errors: string[] };

export interface ReadYamlOptions {
  /** Shown in the size error: `.sluice.yaml is 5.0 MB; the limit is 1 MiB`. */
  file: string;
  maxBytes: number;
}

/** Deeper than any real config; deep enough to keep every recursive step far from the stack limit. */
export const MAX_DEPTH = 64;
/** Values after alias expansion: a 1,000-project config has ~30,000; a billion-laughs file has 10^9. */
export const MAX_VALUES = 250_000;
/**
 * `yaml`'s own toJS guard (uses of one anchor x aliases inside it). MAX_VALUES already bounds the
 * expansion, so this only backs it up; at 100 it would refuse 101 projects merging one anchor.
 */
export const MAX_ALIAS_COUNT = 10_000;
const MAX_ERRORS = 20;

class YamlLimitError extends Error {}

// The library's wording where it speaks to programmers ("please use YAML.parseAllDocuments()").
const PARSE_MESSAGES: Partial<Record<string, string>> = {
  DUPLICATE_KEY: "duplicate key",
  MULTIPLE_DOCS: "invalid YAML: the file must hold a single document (found another `---`)",
};

/**
 * Parses one YAML document into plain data, refusing hostile input with a clear error before it
 * can cost time or memory: oversized files are not parsed, flow nesting is measured before the
 * recursive parser sees it, and alias expansion is counted on the AST before `toJS` builds it.
 */
export function readYaml(text: string, opts: ReadYamlOptions): ReadYamlResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > opts.maxBytes) {
    return { ok: false, errors: [`${opts.file} is ${formatSize(bytes)}; the limit is ${formatLimit(opts.maxBytes)}`] };
  }
  const deepAt = flowNestingOverflow(text);
  if (deepAt !== undefined) {
    return { ok: false, errors: [`(root): nesting is deeper than ${MAX_DEPTH} levels (line ${lineAt(text, deepAt)})`] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, prettyErrors: false, lineCounter });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const errors = doc.errors.slice(0, MAX_ERRORS).map((e) => {
      const offset = e.pos[0];
      const path = formatPath(pathAtOffset(doc, offset));
      const message = PARSE_MESSAGES[e.code] ?? `invalid YAML: ${firstLine(e.message)}`;
      return `${path}: ${message} (line ${lineOf(offset)})`;
    });
    return { ok: false, errors: withMore(errors, doc.errors.length) };
  }

  try {
    measureDocument(doc, lineOf);
  } catch (e) {
    if (e instanceof YamlLimitError) return { ok: false, errors: [e.message] };
    throw e;
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // measureDocument already bounds expansion; this is the library's own guard, kept as a backstop.
    const reason = errorMessage(e);
    return { ok: false, errors: [`(root): YAML aliases are used too often (${reason}) (line 1)`] };
  }
  return { ok: true, data, locator: createLocator(doc, lineOf) };
}

export function withMore(errors: string[], total: number): string[] {
  return total > errors.length ? [...errors, `… and ${total - errors.length} more`] : errors;
}

/** Offset of the first `[`/`{` deeper than MAX_DEPTH. Quotes are not tracked: it can only over-count. */
function flowNestingOverflow(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > MAX_DEPTH) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Checks what `toJS` would build, on the AST: nesting depth, plain scalar keys, and the number of
 * values once aliases are expanded (memoized per anchor, so it runs in time linear in the text).
 */
function measureDocument(doc: Document.Parsed, lineOf: (offset: number) => number): void {
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  let aliasesSeen = false;
  const fail = (path: KeyPath, node: Node | null | undefined, message: string): never => {
    // A path 65 levels deep says nothing a reader can use; its start says where to look.
    const shown = path.length > 8 ? `${formatPath(path.slice(0, 8))}…` : formatPath(path);
    throw new YamlLimitError(`${shown}: ${message} (line ${lineOf(node?.range?.[0] ?? 0)})`);
  };

  const visit = (node: Node | null | undefined, path: (string | number)[], depth: number): number => {
    if (node === null || node === undefined) return 1;
    if (depth > MAX_DEPTH) fail(path, node, `nesting is deeper than ${MAX_DEPTH} levels`);
    if (isAlias(node)) {
      aliasesSeen = true;
      const target = node.resolve(doc) as Node | undefined;
      if (target === undefined) fail(path, node, `unknown alias *${node.source}`);
      const known = sizes.get(target as Node);
      if (known === undefined || open.has(target as Node)) {
        fail(path, node, `alias *${node.source} refers to a value that contains it`);
      }
      return known as number;
    }
    let size = 1;
    open.add(node);
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key)) fail(path, key, "keys must be plain strings");
        const keyValue = isScalar(key) ? key.value : null;
        const keyName = typeof keyValue === "symbol" ? "<<" : String(keyValue ?? "");
        size += 1 + visit(pair.value as Node | null, [...path, keyName], depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        size += visit(item as Node | null, [...path, i], depth + 1);
      });
    }
    open.delete(node);
    sizes.set(node, size);
    if (size > MAX_VALUES) {
      const how = aliasesSeen ? "YAML aliases expand to" : "the document has";
      fail(path, node, `${how} more than ${MAX_VALUES} values`);
    }
    return size;
  };
  visit(doc.contents as Node | null, [], 0);
}

/** The key path of the deepest node containing `offset`, for parse errors. */
function pathAtOffset(doc: Document.Parsed, offset: number): (string | number)[] {
  const path: (string | number)[] = [];
  const contains = (node: Node | null | undefined) =>
    node?.range !== undefined && node.range !== null && offset >= node.range[0] && offset < node.range[2];
  let node = doc.contents as Node | null;
  for (let guard = 0; node !== null && guard <= MAX_DEPTH; guard++) {
    let next: Node | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        if (!contains(key) && !contains(value)) continue;
        path.push(isScalar(key) && typeof key.value !== "symbol" ? String(key.value) : "<<");
        if (contains(value)) next = value;
        break;
      }
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item as Node | null));
      if (index >= 0) {
        path.push(index);
        next = node.items[index] as Node;
      }
    }
    node = next;
  }
  return path;
}

function firstLine(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

const KiB = 1024;
const MiB = 1024 * 1024;

function formatSize(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

function formatLimit(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}
