import { describe, expect, it } from "vitest";
import { diffObjects } from "../../runners/k8s/diff-objects.js";
import { secretMarker } from "../../runners/k8s/hash-secret-values.js";
import { objectAddress, objectKey } from "../../runners/k8s/k8s-object.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";
import { planFromRenders } from "../../runners/k8s/plan-from-renders.js";
import { renderObjectChanges } from "../../runners/k8s/render-object-changes.js";
import { summarizeObjectChanges } from "../../runners/k8s/summarize-object-changes.js";

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    helm.sh/chart: web-0.1.0
spec:
  replicas: 2
  template:
    metadata:
      annotations:
        checksum/config: aaa
    spec:
      containers:
        - name: web
          image: nginx:1.27
        - name: sidecar
          image: envoy:1
`;
const SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
`;
const docs = (...parts: string[]) => parts.join("\n---\n");

function parse(text: string, ns = "default") {
  const parsed = parseManifests(text, ns);
  expect(parsed.errors).toEqual([]);
  return parsed.objects;
}

function diff(base: string, head: string, ignore: string[] = []) {
  return diffObjects(parse(base), parse(head), { ignore });
}

/** `action address` per change, in order. */
const lines = (d: ReturnType<typeof diff>) => d.changes.map((c) => `${c.action} ${c.address}`);

describe("parseManifests", () => {
  it("reads multi-document YAML, skipping empty documents and comments", () => {
    const text = `---\n# Source: web/templates/a.yaml\n${DEPLOYMENT}\n---\n---\n# only a comment\n---\n${SERVICE}\n`;
    const objects = parse(text);
    expect(objects.map((o) => objectKey(o))).toEqual(["apps/Deployment/default/web", "core/Service/default/web"]);
  });

  it("puts namespaced objects in the default namespace unless they name one; cluster-scoped kinds get none", () => {
    const objects = parse(
      docs(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader, namespace: ignored}",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}",
      ),
      "apps",
    );
    expect(objects.map(objectAddress)).toEqual(["ConfigMap/apps/a", "ConfigMap/other/b", "ClusterRole/reader", "Namespace/apps"]);
  });

  it("flattens List kinds into their items", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}`;
    expect(parse(list).map(objectAddress)).toEqual(["ConfigMap/default/a", "ConfigMap/default/b"]);
  });

  it("keys objects by group, not version, so an apiVersion bump is an update", () => {
    const d = diff(
      "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 3}",
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 3}",
    );
    expect(lines(d)).toEqual(["update HorizontalPodAutoscaler/default/web"]);
    expect(d.changes[0]?.diff).toContain("-apiVersion: autoscaling/v2beta2\n+apiVersion: autoscaling/v2");
  });

  it("names generateName objects by their prefix", () => {
    const objects = parse("apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}");
    expect(objects.map(objectAddress)).toEqual(["Job/default/migrate-*"]);
  });

  it.each([
    ["a scalar document", "just text", /expected a Kubernetes object, found a string/],
    ["a list document", "- a\n- b", /found a list/],
    ["a missing kind", "apiVersion: v1\nmetadata: {name: x}", /missing apiVersion or kind/],
    ["a missing name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}", /ConfigMap without metadata.name/],
    ["invalid YAML", "apiVersion: v1\nkind: [unclosed", /invalid YAML at line 6/],
  ])("reports %s with its line", (_name, text, message) => {
    const parsed = parseManifests(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n${text}`, "default");
    expect(parsed.objects.map(objectAddress)).toEqual(["ConfigMap/default/ok"]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatch(/^document at line 5: /);
    expect(parsed.errors[0]).toMatch(message);
  });

  it("reports a duplicate object and keeps the last", () => {
    const a = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {v: '1'}";
    const b = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {v: '2'}";
    const parsed = parseManifests(docs(a, b), "default");
    expect(parsed.errors).toEqual(["document at line 6: duplicate object core/ConfigMap/default/x; the last one wins"]);
    expect(parsed.objects).toHaveLength(1);
    expect(parsed.objects[0]?.body).toMatchObject({ data: { v: "2" } });
  });

  it("never quotes a document in an error", () => {
    const parsed = parseManifests('apiVersion: v1\nkind: Secret\nstringData: {password: "hunter2-secret"\n', "default");
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors.join("\n")).not.toContain("hunter2");
  });
});

describe("diffObjects", () => {
  it("finds nothing when documents are reordered", () => {
    expect(diff(docs(DEPLOYMENT, SERVICE), docs(SERVICE, DEPLOYMENT))).toEqual({ changes: [], hidden: 0 });
  });

  it("finds nothing when map keys are reordered or formatting differs", () => {
    const reordered = `
kind: Deployment
spec:
  template:
    spec:
      containers: [{image: "nginx:1.27", name: web}, {image: 'envoy:1', name: sidecar}]
    metadata: {annotations: {checksum/config: aaa}}
  replicas: 2
metadata: {labels: {helm.sh/chart: web-0.1.0, app: web}, name: web}
apiVersion: apps/v1
`;
    expect(diff(DEPLOYMENT, reordered)).toEqual({ changes: [], hidden: 0 });
  });

  it("treats list order as a change", () => {
    const swapped = DEPLOYMENT.replace(
      "        - name: web\n          image: nginx:1.27\n        - name: sidecar\n          image: envoy:1",
      "        - name: sidecar\n          image: envoy:1\n        - name: web\n          image: nginx:1.27",
    );
    expect(swapped).not.toBe(DEPLOYMENT);
    expect(lines(diff(DEPLOYMENT, swapped))).toEqual(["update Deployment/default/web"]);
  });

  it("shows an update as a unified diff of just the changed field with 3 lines of context", () => {
    const d = diff(DEPLOYMENT, DEPLOYMENT.replace("replicas: 2", "replicas: 3"));
    expect(lines(d)).toEqual(["update Deployment/default/web"]);
    expect(d.changes[0]?.diff).toBe(
      [
        "@@ -6,7 +6,7 @@",
        "     app: web",
        "     helm.sh/chart: web-0.1.0",
        " spec:",
        "-  replicas: 2",
        "+  replicas: 3",
        "   template:",
        "     metadata:",
        "       annotations:",
        "",
      ].join("\n"),
    );
  });

  it("lists deletes, then creates, then updates, each by address", () => {
    const cm = (name: string, v = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {v: "${v}"}`;
    const d = diff(docs(cm("b"), cm("z"), cm("old"), cm("a")), docs(cm("z", "2"), cm("new"), cm("b", "2"), cm("a")));
    expect(lines(d)).toEqual([
      "delete ConfigMap/default/old",
      "create ConfigMap/default/new",
      "update ConfigMap/default/b",
      "update ConfigMap/default/z",
    ]);
  });

  it("shows created and deleted objects whole, every line marked", () => {
    const d = diff(SERVICE, DEPLOYMENT);
    const [deleted, created] = d.changes;
    expect(deleted?.diff).toBe(
      "@@ -1,7 +0,0 @@\n-apiVersion: v1\n-kind: Service\n-metadata:\n-  name: web\n-spec:\n-  ports:\n-    - port: 80\n",
    );
    expect(created?.diff.split("\n")[0]).toBe("@@ -0,0 +1,19 @@");
    expect(
      created?.diff
        .split("\n")
        .slice(1, -1)
        .every((l) => l.startsWith("+")),
    ).toBe(true);
  });

  it("keeps objects in different namespaces apart", () => {
    const a = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}";
    const b = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: b}";
    expect(lines(diff(a, b))).toEqual(["delete ConfigMap/a/x", "create ConfigMap/b/x"]);
  });
});

describe("ignore rules", () => {
  const bumped = DEPLOYMENT.replace("web-0.1.0", "web-0.2.0").replace("checksum/config: aaa", "checksum/config: bbb");

  it("hide differences and count them, including objects with nothing else changed", () => {
    const d = diff(DEPLOYMENT, bumped, ['metadata.labels["helm.sh/chart"]', "spec.template.metadata.annotations.checksum/config"]);
    expect(d).toEqual({
      changes: [],
      hidden: 2,
      // Per path, how many objects it hid a difference in: the one-line summary.
      hiddenPaths: { 'metadata.labels["helm.sh/chart"]': 1, "spec.template.metadata.annotations.checksum/config": 1 },
    });
  });

  it("count the hidden fields of an object that also has a visible change", () => {
    const d = diff(DEPLOYMENT, bumped.replace("replicas: 2", "replicas: 5"), ['metadata.labels["helm.sh/chart"]']);
    expect(d.hidden).toBe(2 - 1);
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]?.hiddenChanges).toBe(1);
    expect(d.changes[0]?.diff).toContain("+        checksum/config: bbb");
    expect(d.changes[0]?.diff).not.toContain("helm.sh/chart");
  });

  it("count a field present on one side only", () => {
    const withoutLabel = DEPLOYMENT.replace("    helm.sh/chart: web-0.1.0\n", "");
    expect(diff(DEPLOYMENT, withoutLabel, ['metadata.labels["helm.sh/chart"]'])).toEqual({
      changes: [],
      hidden: 1,
      hiddenPaths: { 'metadata.labels["helm.sh/chart"]': 1 },
    });
  });

  it("match list items with * and indexes", () => {
    const newImages = DEPLOYMENT.replace("nginx:1.27", "nginx:1.28").replace("envoy:1", "envoy:2");
    expect(diff(DEPLOYMENT, newImages, ["spec.template.spec.containers.*.image"])).toEqual({
      changes: [],
      hidden: 2,
      hiddenPaths: { "spec.template.spec.containers.*.image": 1 },
    });
    const d = diff(DEPLOYMENT, newImages, ["spec.template.spec.containers.0.image"]);
    expect(d.hidden).toBe(1);
    expect(d.changes[0]?.diff).toContain("         - name: sidecar\n-          image: envoy:1\n+          image: envoy:2\n");
  });

  it("do not hide anything in created or deleted objects", () => {
    const d = diff("", DEPLOYMENT, ['metadata.labels["helm.sh/chart"]']);
    expect(d.hidden).toBe(0);
    expect(d.changes[0]?.diff).toContain("helm.sh/chart: web-0.1.0");
  });

  it("refuse an invalid path", () => {
    expect(() => diff(DEPLOYMENT, DEPLOYMENT, ["metadata..labels"])).toThrow(/empty key/);
  });
});

describe("Secret values", () => {
  const secret = (password: string, token: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: ${Buffer.from(password).toString("base64")}
stringData:
  token: ${token}
`;
  const base = secret("old-password-value", "old-token-value");
  const head = secret("new-password-value", "old-token-value");
  const values = ["old-password-value", "new-password-value", "old-token-value"];
  const encoded = values.map((v) => Buffer.from(v).toString("base64"));

  it("are replaced by hashes when parsed", () => {
    const [object] = parse(head);
    expect(object?.body).toMatchObject({
      data: { password: secretMarker("new-password-value") },
      stringData: { token: secretMarker("old-token-value") },
    });
    expect(secretMarker("x")).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(secretMarker("x", { key: "k" })).toMatch(/^hmac:[0-9a-f]{12}$/);
    expect(secretMarker("x", { key: "k" })).not.toBe(secretMarker("x", { key: "other" }));
  });

  it("show a change as a hash change, and the value appears nowhere", () => {
    const planned = planFromRenders({ base, head, defaultNamespace: "default", ignore: [], tool: "helm", hashing: { key: "k" } });
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.output).toContain(`-  password: ${secretMarker("old-password-value", { key: "k" })}`);
    expect(planned.output).toContain(`+  password: ${secretMarker("new-password-value", { key: "k" })}`);
    const everything = JSON.stringify({ ...planned, sensitiveValues: undefined, summary: { ...planned.summary, sensitiveValues: [] } });
    for (const v of [...values, ...encoded]) expect(everything).not.toContain(v);
    // ...and the values are handed over for redaction.
    expect(planned.summary.sensitiveValues).toEqual(expect.arrayContaining([...values, ...encoded.slice(0, 2)]));
  });

  it("an unchanged Secret is no change", () => {
    expect(diff(base, base)).toEqual({ changes: [], hidden: 0 });
  });

  it("are hashed inside Lists too, and only for core Secrets", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {k: in-a-list-secret}}\n  - {apiVersion: example.com/v1, kind: Secret, metadata: {name: t}, stringData: {k: not-core}}`;
    const parsed = parseManifests(list, "default");
    expect(JSON.stringify(parsed.objects)).not.toContain("in-a-list-secret");
    expect(JSON.stringify(parsed.objects)).toContain("not-core");
    expect(parsed.secretValues).toEqual(["in-a-list-secret"]);
  });
});

describe("summarizeObjectChanges and renderObjectChanges", () => {
  const cm = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {v: "${v}"}`;
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}`;
  const d = diff(docs(cm("a", "1"), cm("b", "1"), ns("gone")), docs(cm("a", "2"), cm("c", "1"), ns("new")));

  it("counts create/update/delete as add/change/destroy with Kind/namespace/name addresses", () => {
    expect(summarizeObjectChanges(d.changes)).toEqual({
      add: 2,
      change: 1,
      destroy: 2,
      replace: 0,
      move: 0,
      import: 0,
      forget: 0,
      resources: [
        { address: "ConfigMap/default/b", action: "delete" },
        { address: "Namespace/gone", action: "delete" },
        { address: "ConfigMap/default/c", action: "create" },
        { address: "Namespace/new", action: "create" },
        { address: "ConfigMap/default/a", action: "update" },
      ],
      moves: [],
      outputs: [],
      hasChanges: true,
      sensitiveValues: [],
      changeHashes: expect.any(Object),
    });
  });

  it("says when there is nothing to do", () => {
    expect(summarizeObjectChanges([]).hasChanges).toBe(false);
    expect(renderObjectChanges({ changes: [], hidden: 0 }, "kustomize")).toBe(
      "No changes: kustomize renders the same objects at base and head.\n",
    );
    expect(renderObjectChanges({ changes: [], hidden: 3 }, "helm")).toContain("3 changes hidden by ignore rules");
  });

  it("writes a header and a diff per object", () => {
    const text = renderObjectChanges(d, "helm");
    expect(text.split("\n")[0]).toBe("Objects: 2 to create, 1 to update, 2 to delete.");
    expect(text).toContain('# update ConfigMap/default/a\n@@ -3,4 +3,4 @@\n metadata:\n   name: a\n data:\n-  v: "1"\n+  v: "2"\n');
  });
});
