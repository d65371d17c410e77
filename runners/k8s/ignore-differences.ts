import type { IgnoreDifference } from "../../src/model/project.js";
import { parseIgnorePath } from "./ignore-paths.js";
import { apiGroup, type K8sObject } from "./k8s-object.js";

/**
 * One ignore rule: a field path (ignore-paths.ts syntax), for every object or only those of a
 * group, kind, name and namespace (as Argo CD's `ignoreDifferences` scopes them).
 */
export type IgnoreRule = string | ScopedIgnore;

export interface ScopedIgnore {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  path: string;
}

/** Chart-version labels change with every chart release and say nothing about the objects. */
export const HELM_DEFAULT_IGNORES: readonly IgnoreRule[] = [
  'metadata.labels["helm.sh/chart"]',
  'spec.template.metadata.labels["helm.sh/chart"]',
  "metadata.labels.chart",
  "spec.template.metadata.labels.chart",
];

export const rulePath = (r: IgnoreRule): string => (typeof r === "string" ? r : r.path);

export function ruleApplies(r: IgnoreRule, o: Pick<K8sObject, "apiVersion" | "kind" | "name" | "namespace">): boolean {
  if (typeof r === "string") return true;
  if (r.group !== undefined && r.group !== apiGroup(o.apiVersion)) return false;
  if (r.kind !== undefined && r.kind !== o.kind) return false;
  if (r.name !== undefined && r.name !== o.name) return false;
  return r.namespace === undefined || r.namespace === o.namespace;
}

/** A JSON pointer (`/metadata/labels/helm.sh~1chart`) as an ignore path. */
export function pointerToPath(pointer: string): string | { error: string } {
  if (!pointer.startsWith("/") || pointer === "/") return { error: `JSON pointer \`${pointer}\` must start with / and name a field` };
  const keys = pointer
    .slice(1)
    .split("/")
    .map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
  return keys.map((k, i) => (/^[A-Za-z0-9_/-]+$/.test(k) ? `${i === 0 ? "" : "."}${k}` : `[${JSON.stringify(k)}]`)).join("");
}

/**
 * A jq path expression of the plain kind (`.spec.replicas`, `.metadata.labels["helm.sh/chart"]`,
 * `.spec.containers[].image`, `.spec.containers[0].env`) as an ignore path. Filters (`|`,
 * `select`) are refused with a message: Sluice does not run jq.
 */
export function jqToPath(expr: string): string | { error: string } {
  const bad = { error: `jq path \`${expr}\`: only plain paths are supported (.a.b, ["key"], [0], []), no filters or pipes` };
  if (!expr.startsWith(".") || /[|()]/.test(expr)) return bad;
  let out = "";
  let i = 0;
  while (i < expr.length) {
    if (expr.startsWith("[]", i)) {
      out += out === "" ? "*" : ".*";
      i += 2;
    } else if (expr[i] === "[") {
      const close = expr.indexOf("]", i);
      if (close < 0) return bad;
      const inner = expr.slice(i + 1, close);
      if (/^\d+$/.test(inner)) out += out === "" ? inner : `.${inner}`;
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) out += `[${inner}]`;
      else return bad;
      i = close + 1;
    } else if (expr[i] === ".") {
      const m = /^\.([A-Za-z0-9_-]+)/.exec(expr.slice(i));
      if (!m?.[1]) {
        if (expr[i + 1] === "[") {
          i++;
          continue;
        }
        return bad;
      }
      out += out === "" ? m[1] : `.${m[1]}`;
      i += m[0].length;
    } else return bad;
  }
  return out === "" ? bad : out;
}

/** The `ignore_differences` of a project as rules, or the first entry that cannot be one. */
export function ignoreDifferenceRules(
  list: readonly IgnoreDifference[],
): { ok: true; rules: IgnoreRule[] } | { ok: false; reason: string } {
  const rules: IgnoreRule[] = [];
  for (const [i, d] of list.entries()) {
    const where = `ignore_differences[${i}]`;
    const converted = [...(d.jsonPointers ?? []).map(pointerToPath), ...(d.jqPathExpressions ?? []).map(jqToPath)];
    if (converted.length === 0) return { ok: false, reason: `${where}: names no json_pointers or jq_path_expressions` };
    for (const path of converted) {
      if (typeof path !== "string") return { ok: false, reason: `${where}: ${path.error}` };
      const parsed = parseIgnorePath(path);
      if (!parsed.ok) return { ok: false, reason: `${where}: ${parsed.reason}` };
      const scope = { group: d.group, kind: d.kind, name: d.name, namespace: d.namespace };
      rules.push(Object.values(scope).every((v) => v === undefined) ? path : { ...dropUndefined(scope), path });
    }
  }
  return { ok: true, rules };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
