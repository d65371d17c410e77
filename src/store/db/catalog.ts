import type { Tx, TxBody } from "./db.js";

/** The column names of `table` (none when it does not exist): the catalogs are where the two databases truly differ. */
export function* columnsOf(t: Tx, table: string): TxBody<string[]> {
  const rows =
    t.dialect.name === "sqlite"
      ? yield* t.all<{ name: string }>("SELECT name FROM pragma_table_info(?)", [table])
      : yield* t.all<{ name: string }>(
          "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
          [table],
        );
  return rows.map((r) => r.name);
}

/** Adds a nullable column to `table` unless it has it. */
export function* addColumnIfMissing(t: Tx, table: string, column: string, type: string): TxBody<void> {
  if ((yield* columnsOf(t, table)).includes(column)) return;
  yield* t.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}
