import { canonicalYaml, compareText } from "./canonical-yaml.js";
import { type IgnoreRule, ruleApplies, rulePath } from "./ignore-differences.js";
import { type IgnoreSegment, matchPaths, parseIgnorePath, removeAt, valueAt } from "./ignore-paths.js";
import { type K8sObject, objectAddress, objectKey } from "./k8s-object.js";
import { splitLines, unifiedDiff } from "./line-diff.js";

export interface ObjectDiffOptions {
  /** Field paths whose differences are hidden but counted (syntax in ignore-paths.ts), for all objects or some. */
  ignore: readonly IgnoreRule[];
}

export type ObjectAction = "create" | "update" | "delete";

export interface ObjectChange {
  /** Group/kind/namespace/name (see objectKey). */
  key: string;
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped kinds. */
  address: string;
  action: ObjectAction;
  /**
   * update: unified diff (3 lines of context, `@@` hunks) of the object's canonical YAML.
   * create / delete: the whole object, every line `+` or `-`, under one `@@` header. Ignore rules
   * only hide differences, so a created or deleted object is shown whole.
   */
  diff: string;
  /** Ignored fields that differ between base and head in this object. */
  hiddenChanges: number;
}

export interface ObjectDiff {
  changes: ObjectChange[];
  /** All differences hidden by ignore rules, including those of objects with no other change. */
  hidden: number;
  /** Per ignore path: in how many objects it hid a difference. */
  hiddenPaths?: Record<string, number>;
}

const ORDER: Record<ObjectAction, number> = { delete: 0, create: 1, update: 2 };

/**
 * Compares two rendered object sets. Document order and map key order never matter; list order
 * always does (a reordered container list is a change). Pure; throws only on an invalid ignore path,
 * which config validation should have refused with `parseIgnorePath` first.
 */
export function diffObjects(base: readonly K8sObject[], head: readonly K8sObject[], opts: ObjectDiffOptions): ObjectDiff {
  const rules = opts.ignore.map((rule) => {
    const parsed = parseIgnorePath(rulePath(rule));
    if (!parsed.ok) throw new Error(parsed.reason);
    return { rule, segments: parsed.segments };
  });
  const hiddenPaths: Record<string, number> = {};
  const before = new Map(base.map((o) => [objectKey(o), o]));
  const after = new Map(head.map((o) => [objectKey(o), o]));
  const changes: ObjectChange[] = [];
  let hidden = 0;

  for (const [key, o] of before) {
    if (!after.has(key)) changes.push(whole(key, o, "delete"));
  }
  for (const [key, o] of after) {
    const old = before.get(key);
    if (!old) {
      changes.push(whole(key, o, "create"));
      continue;
    }
    const a = structuredClone(old.body);
    const b = structuredClone(o.body);
    let hiddenChanges = 0;
    for (const { rule, segments } of rules) {
      if (!ruleApplies(rule, o)) continue;
      const n = stripIgnored(a, b, segments);
      if (n === 0) continue;
      hiddenChanges += n;
      hiddenPaths[rulePath(rule)] = (hiddenPaths[rulePath(rule)] ?? 0) + 1;
    }
    hidden += hiddenChanges;
    const diff = unifiedDiff(canonicalYaml(a), canonicalYaml(b));
    if (diff !== "") changes.push({ key, address: objectAddress(o), action: "update", diff, hiddenChanges });
  }
  changes.sort((x, y) => ORDER[x.action] - ORDER[y.action] || compareText(x.address, y.address) || compareText(x.key, y.key));
  return Object.keys(hiddenPaths).length > 0 ? { changes, hidden, hiddenPaths } : { changes, hidden };
}

function whole(key: string, o: K8sObject, action: "create" | "delete"): ObjectChange {
  const lines = splitLines(canonicalYaml(o.body));
  const sign = action === "create" ? "+" : "-";
  const header = action === "create" ? `@@ -0,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +0,0 @@`;
  const diff = `${[header, ...lines.map((l) => sign + l)].join("\n")}\n`;
  return { key, address: objectAddress(o), action, diff, hiddenChanges: 0 };
}

/** Removes one rule's fields from both sides (in place) and counts those that differed. */
function stripIgnored(a: unknown, b: unknown, segments: readonly IgnoreSegment[]): number {
  let count = 0;
  const seen = new Map<string, (string | number)[]>();
  for (const path of [...matchPaths(a, segments), ...matchPaths(b, segments)]) seen.set(JSON.stringify(path), path);
  for (const path of seen.values()) {
    if (canonical(valueAt(a, path)) !== canonical(valueAt(b, path))) count++;
    removeAt(a, path);
    removeAt(b, path);
  }
  return count;
}

const canonical = (v: unknown): string => (v === undefined ? "\u0000absent" : canonicalYaml(v));
