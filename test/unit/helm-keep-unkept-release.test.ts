import { describe, expect, it } from "vitest";
import { decodeDeletions, encodeDeletions } from "../../runners/k8s/deletion-header.js";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";
import { upgradeDeletesUnplanned } from "../../runners/helm/upgrade-render.js";

/**
 * A helm plan counts an object the chart stops rendering as forgotten when the base's render marks
 * it `helm.sh/resource-policy: keep`; `protect` then reads no loss. But helm reads the mark on the
 * object the release deployed, and the base is rendered with the pull request's own `set` (or the
 * release came from another pull request's apply): a release without the mark is deleted by the
 * upgrade. The apply's check of what the upgrade deletes took every planned deletion, forgotten
 * ones too, as shown deleted, so the deletion went through unseen.
 */
const cm = (name: string, policy?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: apps\n${policy === undefined ? "" : `  annotations:\n    helm.sh/resource-policy: "${policy}"\n`}data: {v: "1"}`;

/** The plan file's deletion header, as the helm runner writes it. */
const planHeader = (base: string[], head: string[]) => {
  const planned = planFromRenders({
    base: base.join("\n---\n"),
    head: head.join("\n---\n"),
    defaultNamespace: "apps",
    ignore: [],
    tool: "helm",
    hashing: { key: "k" },
  });
  if (!planned.ok) throw new Error(planned.message);
  expect(planned.summary).toMatchObject({ destroy: 0, forget: 1 });
  return encodeDeletions(planned.deleted, planned.forgotten);
};

describe("a forgotten object the release does not mark keep", () => {
  it("is refused at apply: helm would delete what the plan counted forgotten", () => {
    const header = planHeader([cm("db", "keep"), cm("stays")], [cm("stays")]);
    const lost = upgradeDeletesUnplanned([cm("db"), cm("stays")].join("\n---\n"), cm("stays"), decodeDeletions(header), "apps");
    expect(lost).toContain("`ConfigMap/apps/db`");
    expect(lost).toContain("counted forgotten");
  });

  it("control: the release marks it keep (helm leaves it), or it is not in the release: applied", () => {
    const header = planHeader([cm("db", "keep"), cm("stays")], [cm("stays")]);
    expect(
      upgradeDeletesUnplanned([cm("db", "keep"), cm("stays")].join("\n---\n"), cm("stays"), decodeDeletions(header), "apps"),
    ).toBeUndefined();
    expect(upgradeDeletesUnplanned(cm("stays"), cm("stays"), decodeDeletions(header), "apps")).toBeUndefined();
  });

  it("control: a planned deletion (not forgotten) of an unmarked object is applied as before", () => {
    const header = encodeDeletions([{ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "db" }]);
    expect(decodeDeletions(header)).toEqual([{ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "db" }]);
    expect(upgradeDeletesUnplanned([cm("db"), cm("stays")].join("\n---\n"), cm("stays"), decodeDeletions(header), "apps")).toBeUndefined();
  });
});
