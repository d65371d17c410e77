import { describe, expect, it } from "vitest";
import { IGNORED_ITEM, matchPaths, parseIgnorePath, removeAt } from "../../runners/k8s/ignore-paths.js";

describe("parseIgnorePath", () => {
  it.each([
    ["metadata.annotations.checksum/config", [{ key: "metadata" }, { key: "annotations" }, { key: "checksum/config" }]],
    ['metadata.labels["helm.sh/chart"]', [{ key: "metadata" }, { key: "labels" }, { key: "helm.sh/chart" }]],
    ['["a.b"]["c"].d', [{ key: "a.b" }, { key: "c" }, { key: "d" }]],
    ['x["quote \\" and ] inside"]', [{ key: "x" }, { key: 'quote " and ] inside' }]],
    ["spec.containers.*.image", [{ key: "spec" }, { key: "containers" }, { any: true }, { key: "image" }]],
    ["spec.containers.0", [{ key: "spec" }, { key: "containers" }, { key: "0" }]],
  ])("%s", (path, segments) => {
    expect(parseIgnorePath(path)).toEqual({ ok: true, segments });
  });

  it.each([
    ["", /empty path/],
    ["a..b", /empty key at offset 2/],
    ["a.", /ends with a dot/],
    [".a", /empty key at offset 0/],
    ['a["b"', /unterminated/],
    ["a[b]", /unterminated|double-quoted/],
    ['a["b"]c', /expected "." or "\[" at offset 6/],
    ['a"b', /write keys with/],
  ])("refuses %j", (path, reason) => {
    const parsed = parseIgnorePath(path);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe("matchPaths and removeAt", () => {
  const segments = (path: string) => {
    const parsed = parseIgnorePath(path);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.segments;
  };
  const body = () => ({
    metadata: { labels: { "helm.sh/chart": "x", app: "web" } },
    spec: { containers: [{ name: "a", image: "1" }, { name: "b" }] },
  });

  it("finds only locations that exist", () => {
    expect(matchPaths(body(), segments("spec.containers.*.image"))).toEqual([["spec", "containers", 0, "image"]]);
    expect(matchPaths(body(), segments("metadata.*"))).toEqual([["metadata", "labels"]]);
    expect(matchPaths(body(), segments("nothing.here"))).toEqual([]);
  });

  it("deletes map keys and replaces list items by a placeholder", () => {
    const b = body();
    removeAt(b, ["metadata", "labels", "helm.sh/chart"]);
    removeAt(b, ["spec", "containers", 0]);
    expect(b).toEqual({ metadata: { labels: { app: "web" } }, spec: { containers: [IGNORED_ITEM, { name: "b" }] } });
  });
});
