import { describe, expect, it } from "vitest";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";
import { planContent } from "../../src/gate/plan-content.js";

/**
 * Two objects of the same kind, namespace and name in different API groups (a core Service and a
 * Knative `serving.knative.dev` Service; Istio's and the Gateway API's Gateway) are two objects,
 * with one address (`Service/apps/web`). What the rules read per address must hold both.
 */
const service = (type: string, labels = "") => `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: { app: web${labels} }
spec:
  type: ${type}
  ports: [{ port: 80 }]
`;
const knative = (labels = "", image = "nginx:1.27") => `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: web
  labels: { app: web${labels} }
spec:
  template:
    spec:
      containers: [{ image: "${image}" }]
`;

function plan(base: string, head: string) {
  const planned = planFromRenders({ base, head, defaultNamespace: "apps", ignore: [], tool: "helm", hashing: { key: "k" } });
  if (!planned.ok) throw new Error(planned.message);
  return { planned, content: planContent(planned.summary, "helm") };
}

describe("objects that share an address", () => {
  it("a spec change of one and a label change of the other is not 'only tags'", () => {
    // The core Service becomes a public load balancer; the Knative one only gets a label.
    const { planned, content } = plan(`${service("ClusterIP")}---\n${knative()}`, `${service("LoadBalancer")}---\n${knative(", team: a")}`);
    expect(planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "update Service/apps/web",
      "update Service/apps/web",
    ]);
    expect(planned.summary.changedAttributes?.["Service/apps/web"]).toEqual(["metadata.labels", "spec"]);
    expect(content.onlyTags).toBe(false);
  });

  it("each one's change is in the digest of the address: a re-plan changing either one differs", () => {
    const base = `${service("ClusterIP")}---\n${knative()}`;
    const a = plan(base, `${service("LoadBalancer")}---\n${knative(", team: a")}`).planned.summary.changeHashes;
    const b = plan(base, `${service("NodePort")}---\n${knative(", team: a")}`).planned.summary.changeHashes;
    expect(a?.["Service/apps/web"]).not.toEqual(b?.["Service/apps/web"]);
  });

  it("control: label changes of both are only tags", () => {
    const { content } = plan(
      `${service("ClusterIP")}---\n${knative()}`,
      `${service("ClusterIP", ", team: a")}---\n${knative(", team: a")}`,
    );
    expect(content.onlyTags).toBe(true);
  });
});
