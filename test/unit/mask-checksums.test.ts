import { describe, expect, it } from "vitest";
import { secretMarker } from "../../runners/k8s/hash-secret-values.js";
import type { ConcretePath } from "../../runners/k8s/ignore-paths.js";
import { maskChecksums } from "../../runners/k8s/mask-checksums.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";

const SUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const doc = [
  "apiVersion: apps/v1",
  "kind: Deployment",
  "metadata:",
  "  name: d",
  "  labels: { app: web, config-hash: abc123, tier: 0123456789abcdef0123456789abcdef }",
  "  annotations: { note: plain, already: 'hmac:0123456789ab' }",
  "spec:",
  "  template:",
  "    metadata:",
  `      annotations: { checksum/secret: ${SUM}, image-digest: "sha256:${SUM}" }`,
  "    spec:",
  "      containers: [{ name: c, env: [{ name: CHECKSUM, value: keep-me }] }]",
].join("\n");

describe("maskChecksums", () => {
  it("shows every digest-holding annotation and label as a keyed digest, at any depth; plain ones and markers stay", () => {
    const objects = parseManifests(doc, "default").objects;
    const into = new Map<string, ConcretePath[]>();
    maskChecksums(objects, { key: "k" }, into);
    const body = objects[0]?.body as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    expect(body.spec.template.metadata.annotations["checksum/secret"]).toBe(secretMarker(SUM, { key: "k" }));
    expect(body.spec.template.metadata.annotations["image-digest"]).toMatch(/^hmac:/);
    expect(body.metadata.labels["config-hash"]).toMatch(/^hmac:/);
    expect(body.metadata.labels.tier).toMatch(/^hmac:/);
    expect(body.metadata.labels.app).toBe("web");
    expect(body.metadata.annotations).toEqual({ note: "plain", already: "hmac:0123456789ab" });
    expect(JSON.stringify(body)).toContain("keep-me");
    expect(JSON.stringify(body)).not.toContain(SUM.slice(0, 12));
    expect(into.get("apps/Deployment/default/d")).toHaveLength(4);
  });
});
