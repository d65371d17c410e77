import { describe, expect, it } from "vitest";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";
import { upgradeRendersOtherwise } from "../../runners/helm/upgrade-render.js";

const doc = (source: string, kind: string, name: string, extra = "") =>
  `---\n# Source: ${source}\napiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}`;
const hashing = { key: "k" };
const planned = (text: string) => ({
  saved: parseManifests(text, "apps", hashing).objects,
  regenerated: new Map(),
  namespace: "apps",
  hashing,
  ignore: [],
});

describe("upgradeRendersOtherwise", () => {
  it("leaves out the chart's and subcharts' crds/ (an upgrade's manifest has none) and test hooks (only helm test runs them)", () => {
    const saved = [
      doc("web/crds/a.yaml", "CustomResourceDefinition", "as.x.io"),
      doc("web/charts/cache/crds/b.yaml", "CustomResourceDefinition", "bs.x.io"),
      doc("web/templates/cm.yaml", "ConfigMap", "web"),
    ].join("");
    const upgrade = [
      doc("web/templates/cm.yaml", "ConfigMap", "web"),
      doc("web/templates/test.yaml", "Pod", "web-test", "  annotations:\n    helm.sh/hook: test\n"),
    ].join("");
    expect(upgradeRendersOtherwise(upgrade, planned(saved))).toBeUndefined();
  });

  it("a hook the upgrade runs at another event beside test (test,post-upgrade) is compared: helm template --skip-tests left it out of the plan", () => {
    const saved = doc("web/templates/cm.yaml", "ConfigMap", "web");
    const hooked = (events: string) =>
      saved + doc("web/templates/hook.yaml", "ClusterRoleBinding", "x", `  annotations:\n    helm.sh/hook: ${JSON.stringify(events)}\n`);
    expect(upgradeRendersOtherwise(hooked("test,post-upgrade"), planned(saved))).toContain(
      "create a ClusterRoleBinding the plan does not have",
    );
    expect(upgradeRendersOtherwise(hooked("post-install, test"), planned(saved))).toContain("create a ClusterRoleBinding");
    // Control: hooks only helm test runs.
    expect(upgradeRendersOtherwise(hooked("test-success"), planned(saved))).toBeUndefined();
    expect(upgradeRendersOtherwise(hooked(" Test "), planned(saved))).toBeUndefined();
  });

  it("a CRD templated under templates/crds/ is a template like any other: compared", () => {
    const saved = [
      doc("web/templates/crds/a.yaml", "CustomResourceDefinition", "as.x.io"),
      doc("web/templates/cm.yaml", "ConfigMap", "web"),
    ].join("");
    expect(upgradeRendersOtherwise(saved, planned(saved))).toBeUndefined();
    expect(upgradeRendersOtherwise(doc("web/templates/cm.yaml", "ConfigMap", "web"), planned(saved))).toContain(
      "delete CustomResourceDefinition/as.x.io",
    );
  });

  it("names an object only the upgrade renders by its kind alone", () => {
    const saved = doc("web/templates/cm.yaml", "ConfigMap", "web");
    const message = upgradeRendersOtherwise(saved + doc("web/templates/x.yaml", "Secret", "s3cr3t-from-lookup"), planned(saved));
    expect(message).toContain("create a Secret the plan does not have");
    expect(message).not.toContain("s3cr3t-from-lookup");
  });
});
