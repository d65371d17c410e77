/**
 * The largest id a store row can have: jobs, API tokens, audit events and pull request numbers are
 * PostgreSQL `integer` columns (SQLite's are wider). An id past it names no row; asked of
 * PostgreSQL it is an error ("out of range for type integer"), not an empty answer, so input from
 * a link or an API call is bounded before it reaches the store.
 */
export const MAX_ROW_ID = 2 ** 31 - 1;

/** Whether `n` can be the id of a row: a whole number from 1 to MAX_ROW_ID. */
export const isRowId = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_ROW_ID;
