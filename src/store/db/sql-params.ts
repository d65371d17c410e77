import type { DialectName, Param } from "./db.js";

/**
 * A parameter as the driver takes it. better-sqlite3 refuses booleans and objects; PostgreSQL
 * takes booleans. Objects (not Buffers) become JSON text, which either database stores in its
 * JSON column type.
 */
export function toParam(value: Param, dialect: DialectName): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return dialect === "sqlite" ? (value ? 1 : 0) : value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "object") return JSON.stringify(value);
  return value;
}

const rewritten = new Map<string, string>();

/**
 * `?` placeholders as PostgreSQL's `$1, $2, …`, leaving quoted strings and identifiers alone.
 * Queries are few and fixed, so each is rewritten once.
 */
export function toPostgresSql(sql: string): string {
  const known = rewritten.get(sql);
  if (known !== undefined) return known;
  let out = "";
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") {
      n++;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  if (rewritten.size > 2000) rewritten.clear();
  rewritten.set(sql, out);
  return out;
}
