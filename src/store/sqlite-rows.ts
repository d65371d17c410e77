import { recordMappers } from "./record-rows.js";

/** Row shapes as better-sqlite3 returns them: JSON as text, timestamps as ISO strings, booleans as 0/1. */
export type Lite = { json: string; time: string; bigint: number; bool: number };

export const sqliteRecords = recordMappers<Lite>({
  json: (v) => JSON.parse(v),
  time: (v) => v,
  bigint: (v) => v,
  bool: (v) => v === 1,
});
