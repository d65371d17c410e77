import { describe, expect, it } from "vitest";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";

/**
 * An object the chart stops rendering is deleted by `helm upgrade`, unless it carries
 * `helm.sh/resource-policy: keep` (helm's exact value): then helm leaves it in the cluster and
 * only the release forgets it. The plan said "delete" for it, so `protect` refused a change that
 * destroys nothing, and the counts promised a destroy that never happened.
 */
const cm = (name: string, policy?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${policy === undefined ? "" : `  annotations:\n    helm.sh/resource-policy: "${policy}"\n`}data: {v: "1"}`;
const plan = (tool: string, base: string[], head: string[]) => {
  const planned = planFromRenders({
    base: base.join("\n---\n"),
    head: head.join("\n---\n"),
    defaultNamespace: "apps",
    ignore: [],
    tool,
    hashing: { key: "k" },
  });
  if (!planned.ok) throw new Error(planned.message);
  return planned;
};

describe("helm.sh/resource-policy: keep", () => {
  it("an object helm keeps is forgotten, not destroyed: counted and said so", () => {
    const p = plan("helm", [cm("kept", "keep"), cm("gone"), cm("stays")], [cm("stays")]);
    expect(p.summary.destroy).toBe(1);
    expect(p.summary.forget).toBe(1);
    expect(p.summary.resources).toEqual([
      { address: "ConfigMap/apps/gone", action: "delete" },
      { address: "ConfigMap/apps/kept", action: "forget" },
    ]);
    expect(p.output).toContain("Left in the cluster, not deleted:\n- `ConfigMap/apps/kept` (`helm.sh/resource-policy: keep`)");
    expect(p.output).not.toContain("`ConfigMap/apps/gone` (`helm.sh/resource-policy");
  });

  it("control: another value (helm compares `keep` exactly), or kustomize's prune, deletes it", () => {
    const other = plan("helm", [cm("a", "Keep"), cm("b", "delete")], []);
    expect(other.summary).toMatchObject({ destroy: 2, forget: 0 });
    const kustomize = plan("kustomize", [cm("a", "keep")], []);
    expect(kustomize.summary).toMatchObject({ destroy: 1, forget: 0 });
    expect(kustomize.output).not.toContain("Left in the cluster");
  });

  it("control: a kept object still rendered is updated as any other", () => {
    const p = plan("helm", [cm("kept", "keep")], [cm("kept", "keep").replace('v: "1"', 'v: "2"')]);
    expect(p.summary).toMatchObject({ change: 1, destroy: 0, forget: 0 });
  });
});
