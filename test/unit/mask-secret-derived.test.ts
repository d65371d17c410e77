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
    const { notes, problems } = maskSecretDerived(real, render("zzzzzzzzzzzzzzzz"), { key: "k" });
    expect(problems).toEqual([]);
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

  it("an object the real secret alone renders is a problem named by kind and template, never by its name", () => {
    const withSource = (name: string) =>
      parseManifests(
        `---\n# Source: web/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { x: y }\n`,
        "default",
      ).objects;
    const found = maskSecretDerived(withSource("cm-HUNTER22"), withSource("cm-ZZZZZZZZ"), { key: "k" });
    expect(found).toEqual({
      notes: [],
      problems: [
        "a ConfigMap (from web/templates/x.yaml) exists only with the real secrets: its name or namespace derives from a secret, or the chart renders it for the secret's exact value",
      ],
    });
    // A source line the canary render lacks was printed by the template itself: not quoted.
    const forged = (s: string) =>
      parseManifests(`---\n# Source: ${s}\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${s} }\n`, "default").objects;
    expect(maskSecretDerived(forged("hunter22"), forged("zzzzzzzz"), {}).problems[0]).toBe(
      "a ConfigMap exists only with the real secrets: its name or namespace derives from a secret, or the chart renders it for the secret's exact value",
    );
  });

  it("a map key that changes with the secret is a problem naming the map, not the key; values beside it are masked", () => {
    const keyed = (pw: string) =>
      parseManifests(
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: { "l-${pw}": "1" }\ndata:\n  ${pw}: x\n  dsn: "u:${pw}"\n  plain: p\n`,
        "default",
      ).objects;
    const real = keyed("hunter22");
    const found = maskSecretDerived(real, keyed("zzzzzzzz"), { key: "k" });
    expect(found.problems).toEqual([
      "a key under `metadata.labels` of ConfigMap/default/c derives from a secret",
      "a key under `data` of ConfigMap/default/c derives from a secret",
    ]);
    expect(found.notes).toEqual(["`data.dsn` of ConfigMap/default/c"]);
    expect(JSON.stringify(found)).not.toMatch(/hunter22|zzzzzzzz/);
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
