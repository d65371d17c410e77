import { describe, expect, it } from "vitest";
import { toParam, toPostgresSql } from "../../src/store/db/sql-params.js";

describe("toPostgresSql", () => {
  it.each([
    ["SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"],
    ["SELECT '?' AS q, ? AS v", "SELECT '?' AS q, $1 AS v"],
    ["SELECT 'it''s ?' AS q, ?", "SELECT 'it''s ?' AS q, $1"],
    ['SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'],
    ["SELECT 1", "SELECT 1"],
  ])("%s", (sql, expected) => {
    expect(toPostgresSql(sql)).toBe(expected);
  });
});

describe("toParam", () => {
  it.each([
    [true, "sqlite", 1],
    [false, "sqlite", 0],
    [true, "postgres", true],
    [undefined, "postgres", null],
    [new Date("2026-01-02T03:04:05.006Z"), "sqlite", "2026-01-02T03:04:05.006Z"],
    [{ a: [1] }, "postgres", '{"a":[1]}'],
    [[1, 2], "sqlite", "[1,2]"],
    ["x'); DROP TABLE jobs; --", "sqlite", "x'); DROP TABLE jobs; --"],
  ] as const)("%j on %s", (value, dialect, expected) => {
    expect(toParam(value, dialect)).toEqual(expected);
  });

  it("passes bytes through untouched", () => {
    const bytes = Buffer.from([0, 255]);
    expect(toParam(bytes, "postgres")).toBe(bytes);
  });
});
