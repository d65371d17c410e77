import { describe, expect, it } from "vitest";
import { differingPaths, formatPath } from "../../runners/k8s/differing-paths.js";
import { secretMarker } from "../../runners/k8s/hash-secret-values.js";
import { maskSecretDerived } from "../../runners/k8s/mask-secret-derived.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";

const render = (pw: string, extra = "") =>
  parseManifests(
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: c",
      "  annotations:",
      `    checksum/secret: "${pw.length * 7}"`,
      "data:",
      "  plain: same",
      `  dsn: "postgres://u:${pw}@db/x"`,
      `  list: [${pw.split("").join(", ")}]`,
      "---",
      "apiVersion: v1",
      "kind: Secret",
      "metadata: { name: s }",
      `stringData: { pw: "${pw}" }`,
      extra,
    ].join("\n"),
    "default",
    { key: "k" },
  ).objects;

describe("maskSecretDerived", () => {
  it("replaces each field a canary changes by the keyed digest of its real value and names it; Secret values stay as hashed", () => {
    const real = render("hunter22");
    const notes = maskSecretDerived(real, render("zzzzzzzzzzzzzzzz"), { key: "k" });
    expect(notes).toEqual([
      "`metadata.annotations.checksum/secret` of ConfigMap/default/c",
      "`data.dsn` of ConfigMap/default/c",
      "`data.list` of ConfigMap/default/c",
    ]);
    const body = real[0]?.body as { data: Record<string, unknown>; metadata: { annotations: Record<string, unknown> } };
    expect(body.data.plain).toBe("same");
    expect(body.data.dsn).toBe(secretMarker("postgres://u:hunter22@db/x", { key: "k" }));
    expect(JSON.stringify(real)).not.toContain("hunter22");
    expect(JSON.stringify(real)).not.toContain('"56"');
  });

  it("an object the real secret alone renders keeps only its identity", () => {
    const real = render("a", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: only-real }\ndata: { x: y }\n");
    const notes = maskSecretDerived(real, render("b"), { key: "k" });
    expect(notes).toContain("`(the whole object)` of ConfigMap/default/only-real");
    expect(JSON.stringify(real.find((o) => o.name === "only-real")?.body)).not.toContain('"y"');
  });

  it("paths read as ignore paths", () => {
    expect(formatPath(["metadata", "labels", "helm.sh/chart"])).toBe('metadata.labels["helm.sh/chart"]');
    expect(formatPath(["spec", "containers", 0, "env"])).toBe("spec.containers.0.env");
    expect(differingPaths(render("x"), render("x"))).toEqual(new Map());
  });
});
