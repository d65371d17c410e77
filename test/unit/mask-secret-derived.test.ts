import { describe, expect, it } from "vitest";
import { compareLive } from "../../runners/k8s/compare-live.js";
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

describe("the live diff masks what the render found derived from a secret", () => {
  it("a checksum annotation read from the cluster and from the dry run shows as keyed digests", async () => {
    const doc = (sum: string, replicas: number) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  annotations:\n    checksum/secret: "${sum}"\nspec:\n  replicas: ${replicas}\n`;
    const live = await compareLive(
      {
        bin: "helm",
        env: {},
        timeoutMs: 1000,
        ignore: [],
        hashing: { key: "k" },
        redact: (s) => s,
        knownSecrets: [],
        secretDerived: new Map([["apps/Deployment/default/x", [["metadata", "annotations", "checksum/secret"]]]]),
      },
      (async () => ({ exitCode: 0, stdout: "", stderr: "", timedOut: false })) as never,
      {
        cwd: "/",
        namespace: "default",
        live: async () => ({ text: doc("aaaa1111", 1) }),
        head: async () => ({ text: doc("bbbb2222", 2) }),
        names: { live: "live", head: "head", invalid: "invalid" },
        compared: "compared",
      },
    );
    if (!live.ok) throw new Error(live.reason);
    const text = live.diff.changes.map((c) => c.diff).join("\n");
    expect(text).toContain(secretMarker("aaaa1111", { key: "k" }));
    expect(text).toContain(secretMarker("bbbb2222", { key: "k" }));
    expect(text).not.toContain("aaaa1111");
    expect(text).not.toContain("bbbb2222");
    expect(text).toMatch(/\+\s+replicas: 2/);
  });
});
