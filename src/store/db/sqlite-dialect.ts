import type { Dialect } from "./db.js";

/** How SQL is spelled for SQLite (column types; no row locks to skip or take: one writer at a time). */
export const SQLITE_DIALECT: Dialect = {
  name: "sqlite",
  types: {
    id: "INTEGER PRIMARY KEY AUTOINCREMENT",
    json: "TEXT",
    time: "TEXT",
    bool: "INTEGER",
    bigint: "INTEGER",
    blob: "BLOB",
  },
  skipLocked: () => "",
  forUpdate: "",
};
