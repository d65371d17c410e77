import { describe, expect, it } from "vitest";
import { clusterInKubeconfig, clusterMoved } from "../../src/preview/preview-cluster.js";

const kubeconfig = (current: string) => `apiVersion: v1
kind: Config
clusters:
  - name: a
    cluster: { server: "https://a.example:6443" }
  - name: b
    cluster: { server: "https://b.example:6443" }
contexts:
  - name: ctx-a
    context: { cluster: a, user: u }
  - name: ctx-b
    context: { cluster: b, user: u }
current-context: ${current}
users:
  - name: u
    user: { token: secret-token-value }
`;

describe("clusterInKubeconfig", () => {
  it("is the API server of the current context's cluster", () => {
    expect(clusterInKubeconfig(kubeconfig("ctx-a"))).toBe("https://a.example:6443");
    expect(clusterInKubeconfig(kubeconfig("ctx-b"))).toBe("https://b.example:6443");
  });

  it("spells one server one way: case of the host, a default port and a trailing slash do not make another cluster", () => {
    const spelled = (server: string) => clusterInKubeconfig(kubeconfig("ctx-a").replace("https://a.example:6443", server));
    expect(spelled("https://A.example:443/")).toBe("https://a.example");
    expect(spelled("https://a.example")).toBe("https://a.example");
    // Control: another port or path is another server.
    expect(spelled("https://a.example:6443/")).toBe("https://a.example:6443");
    expect(spelled("https://a.example/k8s/")).toBe("https://a.example/k8s");
  });

  it("is none for a file that names no cluster: no current context, an unknown one, not YAML", () => {
    expect(clusterInKubeconfig(kubeconfig("nope"))).toBeUndefined();
    expect(clusterInKubeconfig(kubeconfig("ctx-a").replace(/current-context:.*\n/, ""))).toBeUndefined();
    expect(clusterInKubeconfig("{ not: [yaml")).toBeUndefined();
    expect(clusterInKubeconfig("just text")).toBeUndefined();
  });
});

describe("clusterMoved", () => {
  const preview = { cluster: "https://a.example:6443", workspace: "pr-3" };
  it("lets a preview run where it was applied, or one whose record keeps no cluster", () => {
    expect(clusterMoved(preview, "https://a.example:6443", "destroyed")).toBeUndefined();
    expect(clusterMoved({ workspace: "pr-3" }, "https://b.example:6443", "destroyed")).toBeUndefined();
  });

  it("reads a record kept in another spelling of the same server as that server (one stored before spellings were made one)", () => {
    const now = clusterInKubeconfig(kubeconfig("ctx-a").replace("https://a.example:6443", "https://A.example:443/"));
    expect(clusterMoved({ cluster: "https://A.example:443/", workspace: "pr-3" }, now, "destroyed")).toBeUndefined();
    // Control: a record of another server is still another cluster.
    expect(clusterMoved({ cluster: "https://b.example:443/", workspace: "pr-3" }, now, "destroyed")).toContain("not destroyed");
  });

  it("stops it anywhere else, naming both clusters and what to do", () => {
    const moved = clusterMoved(preview, "https://b.example:6443", "destroyed");
    expect(moved).toContain("not destroyed");
    expect(moved).toContain("`https://a.example:6443`");
    expect(moved).toContain("`https://b.example:6443`");
    expect(moved).toContain("`pr-3`");
    expect(clusterMoved(preview, undefined, "updated")).toContain("no cluster it can read");
  });
});
