import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { fixtureFiles } from "../support/fixture-files.js";
import { type Harness, startHarness } from "../support/harness.js";
import { edit, planPr as planPrOf } from "./kubernetes-support.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

let h: Harness;
let platform: Record<string, string>;
beforeAll(async () => {
  await installHelm();
  h = await startHarness();
  h.sim.addUser("alice");
  platform = await fixtureFiles(`${FIXTURES}/kustomize/platform`, "k8s");
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const planPr = (files: Record<string, string>, change: Record<string, string | null>) => planPrOf(h, "follow", files, change);

const overlaysConfig = `version: 1
projects:
  - name: staging
    dir: k8s/overlays/staging
    runner: kustomize
  - name: production
    dir: k8s/overlays/production
    runner: kustomize
`;

const newTag = (files: Record<string, string>) => ({
  "k8s/base/deployment.yaml": edit(files["k8s/base/deployment.yaml"], "shop:1.0.0", "shop:1.1.0"),
});

describe("projects follow what they render", () => {
  it("declared overlays are planned when only their shared base changes", async () => {
    const files: Record<string, string> = { ...platform, ".sluice.yaml": overlaysConfig };
    const { check, body } = await planPr(files, newTag(files));
    expect(body).not.toContain("No project is affected");
    expect(check?.conclusion).toBe("success");
    expect(body).toContain("`staging`");
    expect(body).toContain("`production`");
    // The diff kubectl kustomize gives for each overlay: the image line, once per overlay.
    expect(body.match(/-\s+image: ghcr\.io\/example\/shop:1\.0\.0/g)).toHaveLength(2);
    expect(body.match(/\+\s+image: ghcr\.io\/example\/shop:1\.1\.0/g)).toHaveLength(2);
    expect(body.match(/why: `k8s\/base\/deployment\.yaml`, rendered through `k8s\/base`/g)).toHaveLength(2);
  });

  it("declared overlays are planned when a component they use changes", async () => {
    const files: Record<string, string> = { ...platform, ".sluice.yaml": overlaysConfig };
    const { body } = await planPr(files, {
      "k8s/components/limits/limits.yaml": edit(files["k8s/components/limits/limits.yaml"], "256Mi", "512Mi"),
    });
    expect(body).toContain("`staging`");
    expect(body).toContain("`production`");
    expect(body.match(/\+\s+memory: 512Mi/g)).toHaveLength(2);
  });

  it("a base that is also an app is planned with the app that uses it (autodiscovery)", async () => {
    const { body } = await planPr(platform, {
      "k8s/apps/guestbook/service.yaml": edit(platform["k8s/apps/guestbook/service.yaml"], "targetPort: 8080", "targetPort: 9090"),
    });
    expect(body).toContain("`k8s/apps/guestbook`");
    expect(body).toContain("`k8s/apps/guestbook-prod`");
    expect(body.match(/\+\s+targetPort: 9090/g)).toHaveLength(2);
    // A base by name and a component are planned through their users only.
    expect(body).not.toContain("`k8s/base`");
    expect(body).not.toContain("`k8s/components/limits`");
  });

  it("a chart whose values file lives outside the chart dir is planned when only that file changes", async () => {
    const files = {
      ...(await fixtureFiles(`${FIXTURES}/charts/metrics`, "charts/metrics")),
      "clusters/prod/metrics.yaml": "replicas: 2\n",
      ".sluice.yaml":
        "version: 1\nprojects:\n  - name: metrics-prod\n    dir: charts/metrics\n    runner: helm\n    helm:\n      values: [../../clusters/prod/metrics.yaml]\n",
    };
    const { check, body } = await planPr(files, { "clusters/prod/metrics.yaml": "replicas: 4\n" });
    expect(body).not.toContain("No project is affected");
    expect(check?.conclusion).toBe("success");
    expect(body).toContain("`metrics-prod`");
    expect(body).toMatch(/-\s+replicas: 2/);
    expect(body).toMatch(/\+\s+replicas: 4/);
  });
});
