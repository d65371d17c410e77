import { describe, expect, it } from "vitest";
import { listSome } from "../../src/util/list-some.js";

describe("listSome", () => {
  it("names every item of a list no longer than the limit", () => {
    expect(listSome(["a", "b"], 2)).toBe("a, b");
    expect(listSome([], 5)).toBe("");
  });

  it("names the first items and counts the rest", () => {
    expect(listSome(["a", "b", "c", "d"], 2, (x) => `\`${x}\``)).toBe("`a`, `b` and 2 more");
  });

  it("ends a semicolon list with a semicolon before its count", () => {
    expect(listSome(["a, x", "b", "c"], 1, String, "; ")).toBe("a, x; and 2 more");
  });
});
