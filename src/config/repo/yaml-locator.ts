import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { KeyPath } from "./format-path.js";

/** Finds where a key path of the plain data came from in the YAML text. */
export interface YamlLocator {
  /**
   * Line of the key (map entries) or the item (lists) at `path`; when the path does not exist
   * (a missing key), the line of its deepest existing ancestor.
   */
  line(path: KeyPath): number;
  /** The scalar's text as written: `1.10` where the data holds the number 1.1. */
  source(path: KeyPath): string | undefined;
}

// Merge keys can chain (`<<: *a` where a itself merges b); real files need two or three hops.
const MAX_MERGE_HOPS = 16;

export function createLocator(doc: Document.Parsed, lineOf: (offset: number) => number): YamlLocator {
  const deref = (node: Node | null | undefined): Node | null => {
    if (node === null || node === undefined) return null;
    return isAlias(node) ? ((node.resolve(doc) as Node | undefined) ?? null) : node;
  };

  /** The pair for `key` in a map, looking through `<<` merges as `toJS` does (own keys win). */
  const findPair = (map: Node, key: string, hops: number): Pair<Node, Node | null> | undefined => {
    if (!isMap(map) || hops > MAX_MERGE_HOPS) return undefined;
    const pairs = map.items as Pair<Node, Node | null>[];
    const own = pairs.find((p) => isScalar(p.key) && typeof p.key.value !== "symbol" && String(p.key.value) === key);
    if (own !== undefined) return own;
    for (const pair of pairs) {
      if (!isScalar(pair.key) || typeof pair.key.value !== "symbol") continue;
      const value = deref(pair.value);
      const sources = isSeq(value) ? value.items.map((item) => deref(item as Node)) : [value];
      for (const source of sources) {
        const found = source === null ? undefined : findPair(source, key, hops + 1);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };

  /** Walks `path`; returns the deepest position reached and the node there (when fully reached). */
  const walk = (path: KeyPath): { offset: number; node: Node | null; complete: boolean } => {
    let node = deref(doc.contents as Node | null);
    let offset = node?.range?.[0] ?? 0;
    for (const segment of path) {
      if (node === null) return { offset, node: null, complete: false };
      if (isMap(node)) {
        const pair = findPair(node, String(segment), 0);
        if (pair === undefined) return { offset, node: null, complete: false };
        offset = pair.key.range?.[0] ?? offset;
        node = deref(pair.value);
      } else if (isSeq(node) && typeof segment === "number") {
        const item = deref(node.items[segment] as Node | undefined);
        if (item === null) return { offset, node: null, complete: false };
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        return { offset, node: null, complete: false };
      }
    }
    return { offset, node, complete: true };
  };

  return {
    line: (path) => lineOf(walk(path).offset),
    source: (path) => {
      const { node, complete } = walk(path);
      return complete && isScalar(node) && typeof node.source === "string" ? node.source : undefined;
    },
  };
}
