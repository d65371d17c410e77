import { canonicalYaml } from "./canonical-yaml.js";
import type { ConcretePath } from "./ignore-paths.js";
import { apiGroup, type K8sObject, objectKey } from "./k8s-object.js";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * Where two renders of one project differ, per object key: the deepest paths whose values are not
 * equal (a key present on one side only, a list whose length differs, a different leaf). An
 * object rendered on one side only differs as a whole: path `[]`. A core Secret's `data` and
 * `stringData` (keyed digests already) are left out unless `secretValues` is set.
 */
export function differingPaths(
  a: readonly K8sObject[],
  b: readonly K8sObject[],
  opts: { secretValues?: boolean } = {},
): Map<string, ConcretePath[]> {
  const other = new Map(b.map((o) => [objectKey(o), o]));
  const out = new Map<string, ConcretePath[]>();
  const add = (key: string, path: ConcretePath) => out.set(key, [...(out.get(key) ?? []), path]);
  for (const o of a) {
    const key = objectKey(o);
    const twin = other.get(key);
    other.delete(key);
    if (twin === undefined) {
      add(key, []);
      continue;
    }
    const secret = opts.secretValues !== true && o.kind === "Secret" && apiGroup(o.apiVersion) === "";
    walk(o.body, twin.body, [], (path) => {
      if (secret && (path[0] === "data" || path[0] === "stringData")) return;
      add(key, path);
    });
  }
  for (const key of other.keys()) add(key, []);
  return out;
}

function walk(x: unknown, y: unknown, at: ConcretePath, found: (path: ConcretePath) => void): void {
  if (isRecord(x) && isRecord(y)) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (!Object.hasOwn(x, k) || !Object.hasOwn(y, k)) found([...at, k]);
      else walk(x[k], y[k], [...at, k], found);
    }
    return;
  }
  if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
    for (const [i, item] of x.entries()) walk(item, y[i], [...at, i], found);
    return;
  }
  // Leaves are compared as they are; only mixed shapes (a list against a map) need the canonical form.
  const primitive = (v: unknown) => v === null || typeof v !== "object";
  if (primitive(x) && primitive(y)) {
    if (x !== y) found(at);
    return;
  }
  if (canonicalYaml(x) !== canonicalYaml(y)) found(at);
}

/** A path as people read it and as `ignore_differences` takes it: `metadata.annotations["checksum/x"]`. */
export function formatPath(path: ConcretePath): string {
  if (path.length === 0) return "(the whole object)";
  let out = "";
  for (const step of path) {
    const s = String(step);
    if (/^[A-Za-z0-9_/-]+$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
