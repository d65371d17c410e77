import { describe, expect, it } from "vitest";
import { diffObjects } from "../../runners/k8s/diff-objects.js";
import { ignoreDifferenceRules, jqToPath, pointerToPath } from "../../runners/k8s/ignore-differences.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";

describe("ignore_differences as Argo CD writes it", () => {
  it.each([
    ["/spec/replicas", "spec.replicas"],
    ["/metadata/labels/helm.sh~1chart", 'metadata.labels["helm.sh/chart"]'],
    ["/spec/template/spec/containers/0/image", "spec.template.spec.containers.0.image"],
  ])("JSON pointer %s", (pointer, path) => expect(pointerToPath(pointer)).toBe(path));

  it.each([
    [".spec.replicas", "spec.replicas"],
    ['.metadata.labels["helm.sh/chart"]', 'metadata.labels["helm.sh/chart"]'],
    [".spec.template.spec.containers[].image", "spec.template.spec.containers.*.image"],
    [".webhooks[0].clientConfig.caBundle", "webhooks.0.clientConfig.caBundle"],
  ])("jq path %s", (expr, path) => expect(jqToPath(expr)).toBe(path));

  it("refuses filters and empty entries with the entry's index", () => {
    expect(ignoreDifferenceRules([{ kind: "Deployment", jqPathExpressions: ['.spec.containers[] | select(.name == "x")'] }])).toEqual({
      ok: false,
      reason: expect.stringContaining("ignore_differences[0]: jq path"),
    });
    expect(ignoreDifferenceRules([{ kind: "Deployment" }])).toEqual({
      ok: false,
      reason: "ignore_differences[0]: names no json_pointers or jq_path_expressions",
    });
  });

  it("a rule scoped to a kind hides that kind's field only, and the summary counts objects per path", () => {
    const doc = (replicas: number) =>
      parseManifests(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: a }\nspec: { replicas: ${replicas} }\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: b }\nspec: { replicas: ${replicas} }\n`,
        "default",
      ).objects;
    const rules = ignoreDifferenceRules([{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }]);
    if (!rules.ok) throw new Error(rules.reason);
    const diff = diffObjects(doc(1), doc(2), { ignore: rules.rules });
    expect(diff.changes.map((c) => c.address)).toEqual(["StatefulSet/default/b"]);
    expect(diff.hiddenPaths).toEqual({ "spec.replicas": 1 });
  });
});
