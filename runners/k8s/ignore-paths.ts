/**
 * Ignore rules: field paths whose differences are not shown (but counted), for fields that change on
 * every render without meaning anything, such as `metadata.labels["helm.sh/chart"]` or a
 * `checksum/config` annotation.
 *
 * Syntax: keys separated by dots, starting at the top of the object:
 *   metadata.annotations.checksum/config          a key may contain `/` and `-`
 *   metadata.labels["helm.sh/chart"]              a key containing `.`, `[`, `]` or `"`: a JSON string in brackets
 *   spec.template.spec.containers.0.image         a number also matches that list index
 *   spec.template.spec.containers.*.image         `*` matches any one key or list index
 */
export type IgnoreSegment = { key: string } | { any: true };

export type ParsedIgnorePath = { ok: true; segments: IgnoreSegment[] } | { ok: false; reason: string };

export function parseIgnorePath(path: string): ParsedIgnorePath {
  const segments: IgnoreSegment[] = [];
  const fail = (why: string): ParsedIgnorePath => ({ ok: false, reason: `ignore path \`${path}\`: ${why}` });
  let i = 0;
  let expectKey = true;
  while (i < path.length) {
    const c = path[i];
    if (c === "[") {
      const close = findBracketEnd(path, i + 1);
      if (close < 0) return fail(`unterminated ["…"] at offset ${i}`);
      let key: unknown;
      try {
        key = JSON.parse(path.slice(i + 1, close));
      } catch {
        return fail(`expected a double-quoted key inside [ ] at offset ${i}`);
      }
      if (typeof key !== "string") return fail(`expected a double-quoted key inside [ ] at offset ${i}`);
      segments.push({ key });
      i = close + 1;
      expectKey = false;
      continue;
    }
    if (c === ".") {
      if (expectKey) return fail(`empty key at offset ${i}`);
      expectKey = true;
      i++;
      continue;
    }
    if (!expectKey) return fail(`expected "." or "[" at offset ${i}`);
    let end = i;
    while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
    const key = path.slice(i, end);
    if (key.includes("]") || key.includes('"')) return fail(`write keys with "]" or quotes as ["…"]`);
    segments.push(key === "*" ? { any: true } : { key });
    i = end;
    expectKey = false;
  }
  if (segments.length === 0) return fail("empty path");
  if (expectKey) return fail("ends with a dot");
  return { ok: true, segments };
}

/** Index of the `]` that closes a `["…"]` whose quote starts at `from`, honouring JSON escapes. */
function findBracketEnd(path: string, from: number): number {
  if (path[from] !== '"') return -1;
  for (let i = from + 1; i < path.length; i++) {
    if (path[i] === "\\") {
      i++;
      continue;
    }
    if (path[i] === '"') return path[i + 1] === "]" ? i + 1 : -1;
  }
  return -1;
}

export type ConcretePath = (string | number)[];

/** Every existing location in `value` that the pattern matches. */
export function matchPaths(value: unknown, segments: readonly IgnoreSegment[]): ConcretePath[] {
  const out: ConcretePath[] = [];
  const walk = (node: unknown, depth: number, at: ConcretePath) => {
    const segment = segments[depth];
    if (segment === undefined) {
      out.push(at);
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        if ("any" in segment || segment.key === String(index)) walk(item, depth + 1, [...at, index]);
      });
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    const keys = "any" in segment ? Object.keys(record) : Object.hasOwn(record, segment.key) ? [segment.key] : [];
    for (const key of keys) walk(record[key], depth + 1, [...at, key]);
  };
  walk(value, 0, []);
  return out;
}

export function valueAt(value: unknown, path: ConcretePath): unknown {
  let node = value;
  for (const step of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
}

/** Placeholder for an ignored list item: removing it would shift every later index into a change. */
export const IGNORED_ITEM = "<ignored>";

/** Removes the location in place (a list item is replaced by a placeholder instead). */
export function removeAt(value: unknown, path: ConcretePath): void {
  const parent = valueAt(value, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined || typeof parent !== "object" || parent === null) return;
  if (Array.isArray(parent) && typeof last === "number") {
    if (last < parent.length) parent[last] = IGNORED_ITEM;
    return;
  }
  delete (parent as Record<string, unknown>)[String(last)];
}

/** The reason the first invalid path is refused, or undefined when all are valid. */
export function invalidIgnorePath(paths: readonly (string | { path: string })[]): string | undefined {
  for (const rule of paths) {
    const parsed = parseIgnorePath(typeof rule === "string" ? rule : rule.path);
    if (!parsed.ok) return parsed.reason;
  }
  return undefined;
}
