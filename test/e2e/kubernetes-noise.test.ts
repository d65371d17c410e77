import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { fixtureFiles } from "../support/fixture-files.js";
import { type Harness, startHarness } from "../support/harness.js";
import { edit, planPr as planPrOf } from "./kubernetes-support.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

let h: Harness;
let chart: Record<string, string>;
beforeAll(async () => {
  await installHelm();
  h = await startHarness();
  h.sim.addUser("alice");
  chart = await fixtureFiles(`${FIXTURES}/charts/webhook`, "charts/webhook");
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const planPr = (files: Record<string, string>, change: Record<string, string | null>) => planPrOf(h, "noise", files, change);

describe("noise is recognised, not shown as change", () => {
  it("a certificate generated on every render is no change: a comment-only PR plans nothing to apply and names the fields once", async () => {
    const { check, body } = await planPr(chart, {
      "charts/webhook/values.yaml": edit(chart["charts/webhook/values.yaml"], "# The webhook's", "# Note: the webhook's"),
    });
    expect(check?.conclusion).toBe("success");
    expect(body).toContain("Regenerated on every render");
    expect(body).toContain('`data["tls.crt"]` of Secret/default/webhook-tls');
    expect(body).toContain("`webhooks.0.clientConfig.caBundle` of ValidatingWebhookConfiguration/webhook");
    expect(body).toContain("`webhooks.0.clientConfig.caBundle` of MutatingWebhookConfiguration/webhook");
    expect(body).not.toMatch(/~\s+Secret|update Secret/);
    expect(body).not.toContain("+0 ~3 -0");
    expect(body).not.toContain("Comment `/apply`");
  });

  it("a chart upgrade shows its real change; chart-version labels are one summary line", async () => {
    const { body } = await planPr(chart, {
      "charts/webhook/Chart.yaml": edit(
        edit(chart["charts/webhook/Chart.yaml"], "version: 1.4.0", "version: 1.5.0"),
        'appVersion: "1.4.0"',
        'appVersion: "1.5.0"',
      ),
    });
    expect(body).toContain("+0 ~1 -0");
    expect(body).toMatch(/-\s+image: ghcr\.io\/example\/webhook:1\.4\.0/);
    expect(body).toMatch(/\+\s+image: ghcr\.io\/example\/webhook:1\.5\.0/);
    expect(body).not.toMatch(/[-+]\s+helm\.sh\/chart: webhook-1\.[45]\.0/);
    expect(body).toMatch(/hidden by ignore rules: `metadata\.labels\["helm\.sh\/chart"\]` \(4 objects\)/);
  });

  it("api_versions and kube_version reach helm template: templates gated on capabilities render", async () => {
    const { "charts/webhook/templates/gated.yaml": gated, ...withoutGated } = chart;
    const config =
      'version: 1\nprojects:\n  - name: webhook\n    dir: charts/webhook\n    runner: helm\n    helm:\n      api_versions: ["autoscaling.k8s.io/v1/VerticalPodAutoscaler"]\n      kube_version: "1.24.0"\n';
    const { check, body } = await planPr(
      { ...withoutGated, ".sluice.yaml": config },
      { "charts/webhook/templates/gated.yaml": gated ?? "" },
    );
    expect(check?.conclusion).toBe("success");
    expect(body).toContain("+2 ~0 -0");
    expect(body).toContain("VerticalPodAutoscaler/default/webhook");
    expect(body).toMatch(/kube: "?v1\.24\.0/);
  });

  it("ignore_differences as Argo CD users write it hides a field of one kind, in one summary line", async () => {
    const config =
      "version: 1\nprojects:\n  - name: webhook\n    dir: charts/webhook\n    runner: helm\n    helm:\n      ignore_differences:\n        - group: apps\n          kind: Deployment\n          jsonPointers: [/spec/replicas]\n";
    const { check, body } = await planPr(
      { ...chart, ".sluice.yaml": config },
      { "charts/webhook/values.yaml": edit(chart["charts/webhook/values.yaml"], "replicas: 1", "replicas: 3") },
    );
    expect(check?.conclusion).toBe("success");
    expect(body).not.toMatch(/\+\s+replicas: 3/);
    expect(body).toContain("hidden by ignore rules: `spec.replicas` (1 object)");
    // Hidden from the text, still a change: helm upgrade sets replicas: 3, so the plan is not
    // empty (no auto_approve `empty`) and the comment says what counts.
    expect(body).toContain("Changed only in fields this project's ignore rules hide");
    expect(body).toContain("`Deployment/");
    expect(body).toContain("Comment `/apply`");
  });
});
