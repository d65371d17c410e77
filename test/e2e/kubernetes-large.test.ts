import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  await installHelm();
  h = await startHarness();
  h.sim.addUser("alice");
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

/** A CRD over 1 MB, as cert-manager's or an operator's are: a schema with thousands of documented fields. */
function bigCrd(): string {
  const props = Array.from(
    { length: 4000 },
    (_, i) =>
      `                  prop${i}:\n                    type: string\n                    description: ${"Field documentation that goes on and on as upstream CRDs do. ".repeat(4)}\n`,
  ).join("");
  return `{{- if .Values.crds.enabled }}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                fields:
                  type: object
                  properties:
${props}{{- end }}
`;
}

describe("large objects", () => {
  it("a CRD over 1 MB is summarised in the PR (kind, name, size, digest) with its full text in the job log", async () => {
    const crd = bigCrd();
    expect(crd.length).toBeGreaterThan(1024 * 1024);
    const files = {
      "charts/operator/Chart.yaml": "apiVersion: v2\nname: operator\nversion: 1.0.0\n",
      "charts/operator/values.yaml": "crds:\n  enabled: false\n",
      "charts/operator/templates/crd.yaml": crd,
      "charts/operator/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: operator\ndata:\n  a: b\n",
    };
    const repo = await h.sim.createRepo({ owner: "acme", name: "large-crd", files });
    await h.sim.pushBranch(repo, { branch: "crds", files: { "charts/operator/values.yaml": "crds:\n  enabled: true\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "crds", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 120_000,
    });
    const comments = h.sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]");
    const body = comments.map((c) => c.body).join("\n");
    expect(comments).toHaveLength(1);
    expect(body).toContain("+1 ~0 -0");
    expect(body).toContain("# create CustomResourceDefinition/widgets.example.com");
    expect(body).toMatch(/\(large: \d+ changed lines, \d+\.\d KB of diff, sha256:[0-9a-f]{16}; the full diff is in the job log\)/);
    expect(body).not.toContain("prop3999");

    const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare("SELECT text FROM job_logs ORDER BY job_id, seq").all() as { text: string }[];
      expect(rows.map((r) => r.text).join("")).toContain("prop3999:");
    } finally {
      db.close();
    }
  });

  it("when a push replaces a plan that spanned several comments, the old continuation comments are collapsed to one line", async () => {
    const files = {
      "charts/many/Chart.yaml": "apiVersion: v2\nname: many\nversion: 1.0.0\n",
      "charts/many/values.yaml": "many: false\n",
      "charts/many/templates/cms.yaml": `{{- if .Values.many }}{{- range $i := until 40 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: part-{{ $i }}
data:
  text: {{ repeat 300 "0123456789" | quote }}
{{- end }}{{- end }}
`,
    };
    const repo = await h.sim.createRepo({ owner: "acme", name: "many-parts", files });
    await h.sim.pushBranch(repo, { branch: "many", files: { "charts/many/values.yaml": "many: true\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "many", author: "alice" });
    const planned = (sha: string) =>
      h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
        timeoutMs: 120_000,
      });
    await planned(pr.headSha);
    const first = h.sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]");
    expect(first.length).toBeGreaterThan(1);

    const pushedSha = await h.sim.pushBranch(repo, { branch: "many", files: { "charts/many/values.yaml": "many: false\n" } });
    await planned(pushedSha);
    await h.sim.waitFor(
      () => h.sim.comments(repo, pr.number).filter((c) => c.body.includes("replaced by a newer plan")).length === first.length - 1,
      { timeoutMs: 30_000, message: "the old continuation comments were not collapsed" },
    );
    const old = h.sim.comments(repo, pr.number).filter((c) => first.some((f) => f.id === c.id));
    expect(old[0]?.body).toContain("Sluice plan for");
    for (const c of old.slice(1)) expect(c.body.split("\n")).toHaveLength(2);
  });
});
