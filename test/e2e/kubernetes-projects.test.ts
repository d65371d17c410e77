import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { fixtureFiles } from "../support/fixture-files.js";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { edit, planPr as planPrOf } from "./kubernetes-support.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");

let h: Harness;
let files: Record<string, string>;
beforeAll(async () => {
  await installHelm();
  h = await startHarness();
  h.sim.addUser("alice");
  files = {
    ...(await fixtureFiles(`${FIXTURES}/charts/web`, "charts/web")),
    ...(await fixtureFiles(`${FIXTURES}/kustomize/app`, "k8s/app")),
    "net/main.tf": tfProject("net"),
  };
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const planPr = (change: Record<string, string | null>) => planPrOf(h, "k8s", files, change);

describe("helm and kustomize projects", () => {
  it("a values change shows exactly the changed Deployment field", async () => {
    const values = files["charts/web/values.yaml"] as string;
    const { checks, body } = await planPr({ "charts/web/values.yaml": edit(values, "replicaCount: 2", "replicaCount: 5") });
    expect(checks).toHaveLength(1);
    expect(checks[0]?.conclusion).toBe("success");
    expect(body).toContain("`charts/web`");
    expect(body).toContain("+0 ~1 -0");
    expect(body).toMatch(/-\s+replicas: 2/);
    expect(body).toMatch(/\+\s+replicas: 5/);
    expect(body).not.toContain("`k8s/app`");
  });

  it("a new template shows an added object", async () => {
    const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n";
    const { body } = await planPr({ "charts/web/templates/extra.yaml": cm });
    expect(body).toContain("+1 ~0 -0");
    expect(body).toContain("ConfigMap");
    expect(body).toContain("extra");
  });

  it("a Secret change shows a hash change and never the value", async () => {
    const values = files["charts/web/values.yaml"] as string;
    const { body } = await planPr({
      "charts/web/values.yaml": edit(values, "dbPassword: fixture-db-password-1", "dbPassword: brand-new-secret-77"),
    });
    expect(body).toContain("Secret");
    expect(body).toMatch(/hmac:|sha256:/);
    expect(body).not.toContain("brand-new-secret-77");
    expect(body).not.toContain("fixture-db-password-1");
    expect(body).not.toContain(Buffer.from("brand-new-secret-77").toString("base64"));
  });

  it("a PR changing a Terraform project, a chart and an overlay gets one comment with three sections and one check", async () => {
    const values = files["charts/web/values.yaml"] as string;
    const replicas = files["k8s/app/overlays/prod/replicas.yaml"] as string;
    const { checks, body } = await planPr({
      "net/main.tf": tfProject("net", 2),
      "charts/web/values.yaml": edit(values, "replicaCount: 2", "replicaCount: 3"),
      "k8s/app/overlays/prod/replicas.yaml": replicas.replace(/replicas: \d+/, "replicas: 9"),
    });
    expect(checks).toHaveLength(1);
    expect(checks[0]?.conclusion).toBe("success");
    expect(body).toContain("`net`");
    expect(body).toContain("`charts/web`");
    expect(body).toContain("`k8s/app/overlays/prod`");
    expect(body).toContain("terraform_data.net_1");
    expect(body).toMatch(/\+\s+replicas: 9/);
    expect(checks[0]?.output.title).toContain("3 projects");
  });
});
