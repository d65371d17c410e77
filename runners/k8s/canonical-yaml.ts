import { stringify } from "yaml";

/**
 * The one YAML form objects are compared in: map keys sorted at every level, no line folding,
 * no anchors. Two documents that differ only in key order or formatting dump to the same text;
 * list order is kept, because it matters to Kubernetes for most lists (containers, args, env).
 * For reading, `apiVersion`, `kind`, `metadata` lead the object, `name`, `namespace` lead its
 * metadata, and `name` leads any other map (containers, ports, env), as people write them.
 */
export function canonicalYaml(value: unknown): string {
  return stringify(sortKeys(value, TOP), {
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
  });
}

interface KeyOrder {
  first: readonly string[];
  children?: Readonly<Record<string, KeyOrder>>;
}

const TOP: KeyOrder = { first: ["apiVersion", "kind", "metadata"], children: { metadata: { first: ["name", "namespace"] } } };
const PLAIN: KeyOrder = { first: ["name"] };

export function sortKeys(value: unknown, order: KeyOrder = PLAIN): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v));
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  const record = value as Record<string, unknown>;
  const rank = (k: string) => {
    const i = order.first.indexOf(k);
    return i < 0 ? order.first.length : i;
  };
  const keys = Object.keys(record).sort((a, b) => rank(a) - rank(b) || compareText(a, b));
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = sortKeys(record[key], order.children?.[key] ?? PLAIN);
  return out;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
