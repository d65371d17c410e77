import { describe, expect, it } from "vitest";
import { HELM_DEFAULT_IGNORES } from "../../runners/k8s/ignore-differences.js";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";
import { planContent } from "../../src/gate/plan-content.js";

/**
 * `ignore` and `ignore_differences` are the project's own settings, which the pull request's
 * config sets: they choose what the diff shows, never what the rules that read the plan count.
 */
const deployment = (image: string, chart = "web-0.1.0") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { helm.sh/chart: ${chart} }
spec:
  template:
    spec:
      containers: [{ name: web, image: "${image}" }]
`;

function plan(base: string, head: string, ignore: string[]) {
  const planned = planFromRenders({
    base,
    head,
    defaultNamespace: "apps",
    ignore: [...HELM_DEFAULT_IGNORES, ...ignore],
    trustedIgnore: HELM_DEFAULT_IGNORES,
    tool: "helm",
    hashing: { key: "k" },
  });
  if (!planned.ok) throw new Error(planned.message);
  return { planned, content: planContent(planned.summary, "helm") };
}

describe("changes hidden by the project's ignore rules", () => {
  it("still count: a new image hidden by `ignore: [spec]` is no empty plan", () => {
    const { planned, content } = plan(deployment("nginx:1.27"), deployment("evil:latest"), ["spec"]);
    expect(content.empty).toBe(false);
    expect(content.changes).toBe(1);
    expect(planned.summary.resources).toEqual([{ address: "Deployment/apps/web", action: "update" }]);
    expect(planned.summary.changedAttributes?.["Deployment/apps/web"]).toEqual(["spec"]);
    // Shown hidden, as asked, and said to count.
    expect(planned.output).not.toContain("evil:latest");
    expect(planned.output).toContain("`Deployment/apps/web`");
  });

  it("control: the server's chart-version label rules leave a chart bump empty, as before", () => {
    const { content } = plan(deployment("nginx:1.27"), deployment("nginx:1.27", "web-0.2.0"), []);
    expect(content.empty).toBe(true);
  });
});
