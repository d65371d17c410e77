import { describe, expect, it } from "vitest";
import type { ExecResult } from "../../runners/exec.js";
import { releaseManifest } from "../../runners/helm/release-manifest.js";
import { diffObjects } from "../../runners/k8s/diff-objects.js";
import { execFailureLine } from "../../runners/k8s/exec-failure-line.js";
import { liveDiffFailure, liveDiffTimeout } from "../../runners/k8s/live-diff.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";
import { renderLiveDiff } from "../../runners/k8s/render-live-diff.js";
import { stripServerFields } from "../../runners/k8s/strip-server-fields.js";

const failed = (stderr: string, r: Partial<ExecResult> = {}): ExecResult => ({
  exitCode: 1,
  timedOut: false,
  stdout: "",
  stderr,
  durationMs: 1,
  ...r,
});

describe("releaseManifest", () => {
  const manifest = "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n";

  it.each([
    ["helm's one-line JSON", `${JSON.stringify({ name: "web", config: { token: "x" }, manifest, version: 2 })}\n`, manifest],
    ["JSON after a stray line", `some plugin notice\n${JSON.stringify({ name: "web", manifest })}`, manifest],
    ["a release of hooks only (no manifest field)", JSON.stringify({ name: "web", version: 1 }), ""],
    ["the table format", "NAME: web\nSTATUS: pending-upgrade\nHOOKS:\nMANIFEST:\n---\napiVersion: v1\n", undefined],
    ["JSON that is no release", "{}", undefined],
    ["a manifest that is no string", JSON.stringify({ name: "web", manifest: 1 }), undefined],
    ["broken JSON", '{"name": "web", "manifest": "', undefined],
    ["nothing", "", undefined],
  ])("%s", (_name, stdout, expected) => {
    expect(releaseManifest(stdout)).toBe(expected);
  });
});

describe("execFailureLine", () => {
  it.each([
    [
      "kubectl: klog retries skipped, its verdict kept",
      'E0618 09:30:01.337590    8705 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\nerror: unable to recognize "r.yaml": connection refused\n',
      'kubectl get exited with code 1: error: unable to recognize "r.yaml": connection refused',
    ],
    [
      "a warning before the error",
      'Warning: policy/v1beta1 PodDisruptionBudget is deprecated\nError from server (Forbidden): deployments.apps "api" is forbidden\n',
      'kubectl get exited with code 1: Error from server (Forbidden): deployments.apps "api" is forbidden',
    ],
    [
      "helm's multi-error joined to its first item",
      'Error: 1 error occurred:\n\t* Service "web" is invalid\n\n',
      'kubectl get exited with code 1: Error: 1 error occurred: * Service "web" is invalid',
    ],
    [
      "no error prefix: the first line that is no warning",
      "Warning: x\nUnable to connect to the server: x509: certificate signed by unknown authority\n",
      "kubectl get exited with code 1: Unable to connect to the server: x509: certificate signed by unknown authority",
    ],
    [
      "only klog lines: the last one",
      "E0618 09:30:01.1 1 a.go:1] first\nE0618 09:30:02.1 1 a.go:1] last\n",
      "kubectl get exited with code 1: E0618 09:30:02.1 1 a.go:1] last",
    ],
    ["nothing on stderr", "", "kubectl get exited with code 1"],
  ])("%s", (_name, stderr, expected) => {
    expect(execFailureLine("kubectl get", failed(stderr), 120_000)).toBe(expected);
  });

  it("says timed out or killed, whatever stderr holds", () => {
    expect(execFailureLine("kubectl get", failed("partial", { exitCode: null, timedOut: true }), 120_000)).toBe(
      "kubectl get timed out after 120 s and was stopped",
    );
    expect(execFailureLine("kubectl get", failed("partial", { exitCode: null, signal: "SIGKILL" }), 120_000)).toBe(
      "kubectl get was killed by SIGKILL",
    );
  });
});

describe("liveDiffFailure", () => {
  it("redacts before it cuts, so no part of a secret survives the cut", () => {
    const secret = "s3cr3t-value-that-is-long";
    // The secret straddles the 300-character cut.
    const reason = `${"x".repeat(290)} ${secret} tail`;
    const f = liveDiffFailure(reason, (s) => s, [secret]);
    expect(f.reason.length).toBeLessThanOrEqual(300);
    expect(f.reason.endsWith("…")).toBe(true);
    for (let i = 4; i <= secret.length; i++) expect(f.reason).not.toContain(secret.slice(0, i));
  });

  it("uses the job's redactor and known values, flattens whitespace, and returns only what it found", () => {
    const f = liveDiffFailure(
      "Error:\n\tbad token ghp_abcdefghijklmnopqrstuvwxyz0123456789 and pw-known-1",
      (s) => s.replace("bad", "[job]"),
      ["found-1"],
      ["pw-known-1"],
    );
    expect(f).toEqual({ ok: false, reason: "Error: [job] token [redacted] and [redacted]", secretValues: ["found-1"] });
  });

  it("caps the live diff at two minutes of the step timeout", () => {
    expect(liveDiffTimeout(30 * 60_000)).toBe(120_000);
    expect(liveDiffTimeout(60_000)).toBe(60_000);
  });
});

describe("stripServerFields", () => {
  it("drops status and server bookkeeping, the last-applied annotation, and keeps the rest", () => {
    const text = [
      "apiVersion: v1",
      "kind: Secret",
      "metadata:",
      "  name: api",
      "  namespace: prod",
      "  uid: 0d6f",
      "  resourceVersion: '12'",
      "  generation: 2",
      "  creationTimestamp: '2025-03-04T10:00:00Z'",
      "  managedFields: [{ manager: kubectl, operation: Apply }]",
      "  annotations:",
      '    kubectl.kubernetes.io/last-applied-configuration: \'{"data":{"k":"c2VjcmV0"}}\'',
      "  labels: { app: api }",
      "data: { k: c2VjcmV0 }",
      "status: { phase: x }",
      "",
    ].join("\n");
    const { objects } = parseManifests(text, "default", { key: "k" });
    stripServerFields(objects);
    expect(objects[0]?.body).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "api", namespace: "prod", labels: { app: "api" } },
      data: { k: expect.stringMatching(/^hmac:[0-9a-f]{12}$/) },
    });
  });

  it("keeps other annotations", () => {
    const { objects } = parseManifests(
      "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: a\n  annotations: { owner: team-a, kubectl.kubernetes.io/last-applied-configuration: x }\n",
      "default",
    );
    stripServerFields(objects);
    expect(objects[0]?.body).toMatchObject({ metadata: { annotations: { owner: "team-a" } } });
  });
});

describe("renderLiveDiff", () => {
  const cm = (data: string) =>
    parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\ndata: { k: ${data}, at: "${data}-t" }\n`, "ns")
      .objects;

  it("heads the section with its own counts, and counts what ignore rules hid", () => {
    const diff = diffObjects(cm("1"), cm("2"), { ignore: ["data.at"] });
    expect(renderLiveDiff({ ok: true, diff, compared: "Compared: a with b.", notes: ["n1"], secretValues: [] })).toBe(
      [
        "== Live diff against the cluster (server-side dry-run): 0 to create, 1 to update, 0 to delete ==",
        "Compared: a with b.",
        "Note: n1",
        "",
        "# update ConfigMap/ns/a (1 ignored field also changed)",
        "@@ -4,4 +4,4 @@",
        "   name: a",
        "   namespace: ns",
        " data:",
        "-  k: 1",
        "+  k: 2",
        "",
        "1 change hidden by ignore rules: `data.at` (1 object)",
        "",
      ].join("\n"),
    );
  });

  it("says when there is nothing to change, and when it could not compare", () => {
    const none = diffObjects(cm("1"), cm("1"), { ignore: [] });
    expect(renderLiveDiff({ ok: true, diff: none, compared: "Compared: a with b.", notes: [], secretValues: [] })).toBe(
      "== Live diff against the cluster (server-side dry-run): no changes ==\nCompared: a with b.\n",
    );
    expect(renderLiveDiff({ ok: false, reason: "kubectl get exited with code 1: error: x", secretValues: [] })).toBe(
      "== Live diff against the cluster (server-side dry-run): not available ==\nkubectl get exited with code 1: error: x\nThe render diff above is complete; only the comparison with the cluster is missing.\n",
    );
  });
});
