import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

// A server secret given to a chart (`secret_set`) comes out neither through an object's name nor
// a map key, in the comment or the check, through the whole app.

const TOKEN = "srvtok-qx7v2mfp9kd3";
const FORMS = [TOKEN, TOKEN.toUpperCase(), TOKEN.split("").join("-")];

let h: Harness;
beforeAll(async () => {
  await installHelm();
  h = await startHarness({ serverConfig: "secrets:\n  api_token: env:API_TOKEN\n", env: { API_TOKEN: TOKEN } });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const CONFIG =
  "version: 1\nprojects:\n  - name: web\n    dir: web\n    runner: helm\n    helm:\n      secret_set:\n        token: api_token\n";
const CHART = {
  ".sluice.yaml": CONFIG,
  "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "web/values.yaml": 'token: ""\n',
  "web/templates/cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  dsn: "u:{{ .Values.token | upper }}@db"\n',
};

async function planWith(name: string, template: string): Promise<{ body: string; summary: string }> {
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: CHART });
  await h.sim.pushBranch(repo, { branch: "leak", files: { "web/templates/leak.yaml": template } });
  const pr = await h.sim.openPullRequest(repo, { head: "leak", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const checks = h.sim.checkRuns(repo).filter((c) => c.name === "sluice/plan");
  return {
    body: bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n")
      .replaceAll("\\_", "_"),
    summary: checks.map((c) => `${c.output?.title ?? ""}\n${c.output?.summary ?? ""}\n${c.output?.text ?? ""}`).join("\n"),
  };
}

describe("a server secret shaped into a chart's names and keys", () => {
  it("an object named after the secret fails the plan with the reason; no form of the secret is posted", async () => {
    const { body, summary } = await planWith(
      "helm-derived-name",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ .Values.token | upper }}\ndata:\n  a: b\n",
    );
    for (const form of FORMS) expect(body + summary).not.toContain(form);
    expect(body).toContain("a ConfigMap (from web/templates/leak.yaml) exists only with the real secrets");
  });

  it("a map key made of the secret fails the plan; no form of the secret is posted", async () => {
    const { body, summary } = await planWith(
      "helm-derived-key",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n  {{ .Values.token | splitList "" | join "-" }}: x\n',
    );
    for (const form of FORMS) expect(body + summary).not.toContain(form);
    expect(body).toContain("a key under `data` of ConfigMap/default/keys derives from a secret");
  });

  it("control: a value derived from the secret is a keyed digest and the plan succeeds", async () => {
    const { body } = await planWith(
      "helm-derived-value",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  plain: kept\n  dsn: {{ .Values.token | upper | quote }}\n",
    );
    expect(body).toContain("plain: kept");
    expect(body).toMatch(/dsn: hmac:[0-9a-f]{12}/);
    expect(body).not.toContain("secret-derived");
    for (const form of FORMS) expect(body).not.toContain(form);
  });
});
