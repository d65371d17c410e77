import { describe, expect, it } from "vitest";
import { helmUninstallArgv } from "../../runners/helm/helm-argv.js";
import { resolveHelmSettings } from "../../runners/helm/helm-settings.js";
import { destroyPlanOf, encodeDestroyPlan, readDestroyPlan } from "../../runners/k8s/destroy-plan.js";
import { parseManifests } from "../../runners/k8s/parse-manifests.js";
import {
  clusterScopedKinds,
  kubectlClusterKindsArgv,
  kubectlCreateArgv,
  kubectlDeleteNamespaceArgv,
  kubectlGetNamespaceArgv,
  namespaceEscapes,
  namespaceOwner,
  previewNamespaceManifest,
} from "../../runners/k8s/preview-namespace.js";
import { kustomizeNamespace } from "../../runners/kustomize/kustomize-settings.js";
import { previewRows } from "../../src/console/preview-routes.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { previewProject, previewSettings } from "../../src/jobs/preview/preview-context.js";
import type { Project } from "../../src/model/project.js";
import { namespaceTemplateProblem, previewWorkspace } from "../../src/preview/preview-workspace.js";
import { producersFirst } from "../../src/preview/producers-first.js";
import { renderPreviewComment } from "../../src/preview/render-preview.js";
import { previewRecord } from "../support/preview-record.js";

const load = (yaml: string) => loadRepoConfig({ sluice: yaml });
const helmWith = (preview: string) =>
  `version: 1\nprojects:\n  - name: web\n    dir: charts/web\n    helm: { namespace: prod, values: [values.yaml], set: { replicaCount: 3 } }\n    preview:\n${preview}`;
const kustomizeWith = (preview: string) =>
  `version: 1\nprojects:\n  - name: site\n    dir: deploy/site\n    kustomize: { namespace: prod }\n    preview:\n${preview}`;

describe("Helm and Kustomize previews: a namespace of their own", () => {
  it.each([
    ["pr-{number}", undefined],
    ["web-pr-{number}", undefined],
    ["{number}", undefined],
    ["PR-{number}", "must be a Kubernetes namespace name"],
    ["pr_{number}", "must be a Kubernetes namespace name"],
    ["-{number}", "must be a Kubernetes namespace name"],
    ["pr-{number}-", "must be a Kubernetes namespace name"],
    ["../{number}", "must be a Kubernetes namespace name"],
    ["prod", "must contain {number}"],
    [`${"a".repeat(54)}-{number}`, "leaves no room"],
    [`${"a".repeat(53)}-{number}`, undefined],
  ])("namespace template %s", (template, problem) => {
    const p = namespaceTemplateProblem(template);
    if (problem) expect(p).toContain(problem);
    else expect(p).toBeUndefined();
  });

  it("never a namespace the repository's projects render into", () => {
    expect(previewWorkspace("pr-{number}", 12, ["prod"], "namespace")).toEqual({ ok: true, workspace: "pr-12" });
    const real = previewWorkspace("prod-{number}", 1, ["prod-1"], "namespace");
    expect(real.ok ? "" : real.reason).toBe("namespace `prod-1` belongs to a project of this repository, not to a preview");
    const bad = previewWorkspace("PR-{number}", 1, [], "namespace");
    expect(bad.ok ? "" : bad.reason).toContain("`preview.namespace` must be a Kubernetes namespace name");
  });

  it("the repo config reads a Helm preview's namespace, values files, values and URL template", () => {
    const ok = load(
      helmWith(
        '      namespace: "web-pr-{number}"\n      var_files: [values-preview.yaml]\n      vars: { replicaCount: 1, image.tag: preview }\n      url: https://pr-{number}.preview.example.com\n      ttl: 72h\n',
      ),
    );
    if (!ok.ok) throw new Error(ok.errors.join("\n"));
    expect(ok.config.projects[0]?.preview).toEqual({
      workspace: "web-pr-{number}",
      varFiles: ["values-preview.yaml"],
      vars: { replicaCount: "1", "image.tag": "preview" },
      urlTemplate: "https://pr-{number}.preview.example.com",
      ttlMs: 72 * 3600_000,
    });
    const plain = load(kustomizeWith("      ttl: 24h\n"));
    if (!plain.ok) throw new Error(plain.errors.join("\n"));
    expect(plain.config.projects[0]?.preview?.workspace).toBe("pr-{number}");
  });

  it.each([
    [helmWith('      workspace: "pr-{number}"\n'), "projects[0].preview.workspace: is not a setting of helm previews"],
    [helmWith("      url_output: url\n"), "projects[0].preview.url_output: is not a setting of helm previews"],
    [helmWith('      namespace: "Prod_{number}"\n'), "projects[0].preview.namespace: must be a Kubernetes namespace name"],
    [helmWith("      var_files: [../../../etc/passwd]\n"), "projects[0].preview.var_files[0]"],
    [kustomizeWith("      vars: { a: b }\n"), "projects[0].preview.vars: is not a setting of kustomize previews"],
    [kustomizeWith("      var_files: [x.yaml]\n"), "projects[0].preview.var_files: is not a setting of kustomize previews"],
  ])("refused with the key: %#", (yaml, message) => {
    const r = load(yaml);
    expect(r.ok ? "" : r.errors.join("\n")).toContain(message);
  });

  it("a preview runs the trusted project's chart settings in its namespace, its values on top", () => {
    const trusted: Project = {
      name: "web",
      dir: "charts/web",
      workspace: "default",
      runner: "helm",
      helm: { release: "web", namespace: "prod", values: ["values.yaml"], set: { replicaCount: 3, tier: "gold" } },
    };
    const record = {
      repo: "acme/web",
      pr: 7,
      project: "web",
      dir: "charts/web",
      workspace: "pr-7",
      runner: "helm" as const,
      varFiles: ["values-preview.yaml"],
      vars: { replicaCount: "1" },
    };
    const project = previewProject(record, trusted);
    expect(project.previewNamespace).toBe("pr-7");
    expect(project.previewOf).toBe("acme/web#7:web");
    const s = resolveHelmSettings(project);
    expect(s).toMatchObject({
      release: "web",
      namespace: "pr-7",
      values: ["values.yaml", "values-preview.yaml"],
      set: { replicaCount: "1", tier: "gold" },
    });
    // The project's own namespace setting never wins over the preview's.
    expect(resolveHelmSettings({ ...project, helm: { ...project.helm, namespace: "prod" } }).namespace).toBe("pr-7");
    const site = previewProject(
      { ...record, project: "site", runner: "kustomize", varFiles: [], vars: {} },
      {
        ...trusted,
        runner: "kustomize",
        helm: undefined,
        kustomize: { namespace: "prod", ignore: ["/spec/replicas"] },
      },
    );
    expect(kustomizeNamespace(site)).toBe("pr-7");
    expect(site.kustomize?.ignore).toEqual(["/spec/replicas"]);
    // A Terraform preview is a workspace: no namespace.
    expect(previewProject({ ...record, runner: "terraform" }).previewNamespace).toBeUndefined();
  });

  it("settings a preview reads are its trusted project's, never looked up by the preview's workspace", () => {
    const cfg = load(
      "version: 1\nworkflows:\n  custom:\n    plan:\n      steps: [init, plan]\nprojects:\n  - name: web\n    dir: charts/web\n    workflow: custom\n    helm: { secret_set: { apiToken: WEB_TOKEN } }\n",
    );
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    const server = parseServerConfig("allowed_overrides: [workflow]\nsecrets: { WEB_TOKEN: env:WEB_TOKEN }\n");
    const settings = repoSettings(server, "acme/web", cfg.config);
    const trusted = cfg.config.projects[0] as Project;
    const preview = previewProject(
      { repo: "acme/web", pr: 7, project: "web", dir: "charts/web", workspace: "pr-7", runner: "helm", varFiles: [], vars: {} },
      trusted,
    );
    expect(settings.secretSetFor(preview)).toEqual({});
    const asPreview = previewSettings(settings, [{ project: preview, trusted }]);
    expect(asPreview.secretSetFor(preview)).toEqual({ apiToken: "WEB_TOKEN" });
    expect(asPreview.workflowFor(preview).workflow).toBeDefined();
    // Nothing to map without a trusted project; the cluster is still the previews' own, never production's.
    expect(previewSettings(settings, [{ project: preview, trusted: undefined }])).toEqual({ ...settings, kubeconfig: undefined });
  });

  it("a preview gets the repository's preview kubeconfig, never the apply one (control: the repository's own runs keep theirs)", () => {
    const cfg = load("version: 1\nprojects:\n  - name: web\n    dir: charts/web\n");
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    const trusted = cfg.config.projects[0] as Project;
    const preview = previewProject(
      { repo: "acme/web", pr: 7, project: "web", dir: "charts/web", workspace: "pr-7", runner: "helm", varFiles: [], vars: {} },
      trusted,
    );
    const apart = repoSettings(
      parseServerConfig("kubeconfigs: { 'acme/*': { apply: /k/prod, plan: /k/view, preview: /k/previews } }\n"),
      "acme/web",
      cfg.config,
    );
    expect(apart.kubeconfig).toEqual({ apply: "/k/prod", plan: "/k/view", preview: "/k/previews" });
    expect(previewSettings(apart, [{ project: preview, trusted }]).kubeconfig).toEqual({ apply: "/k/previews", plan: "/k/previews" });
    const one = repoSettings(parseServerConfig("kubeconfigs: { 'acme/*': /k/prod }\n"), "acme/web", cfg.config);
    expect(one.kubeconfig).toEqual({ apply: "/k/prod", plan: "/k/prod" });
    expect(previewSettings(one, [{ project: preview, trusted }]).kubeconfig).toBeUndefined();
  });
});

describe("a preview never reaches outside its namespace", () => {
  const render = (docs: string[]) => parseManifests(docs.join("---\n"), "pr-7").objects;
  const cm = (ns?: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n${ns ? `  namespace: ${ns}\n` : ""}`;

  it("objects in its namespace (or naming none) and its own Namespace pass", () => {
    expect(namespaceEscapes(render([cm(), cm("pr-7"), previewNamespaceManifest("pr-7", "acme/web#7:web")]), "pr-7")).toBeUndefined();
  });

  it("an object in another namespace, or a cluster-scoped one, is refused by name", () => {
    const why = namespaceEscapes(
      render([
        cm("prod"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin\n",
        previewNamespaceManifest("prod", "acme/web#7:web"),
      ]),
      "pr-7",
    );
    expect(why).toContain("`ConfigMap/prod/cfg`");
    expect(why).toContain("`ClusterRole/admin`");
    expect(why).toContain("`Namespace/prod`");
  });

  it("the cluster's own list of cluster-wide kinds decides, custom kinds included", () => {
    const table = [
      "namespaces                 ns     v1                             false   Namespace",
      "clusterroles                      rbac.authorization.k8s.io/v1   false   ClusterRole",
      "clusterissuers                    cert-manager.io/v1             false   ClusterIssuer",
      "",
    ].join("\n");
    const kinds = clusterScopedKinds(table);
    expect([...kinds].sort()).toEqual(["cert-manager.io/ClusterIssuer", "core/Namespace", "rbac.authorization.k8s.io/ClusterRole"]);
    const issuer = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-prod\n";
    // Without the cluster's word the custom kind looks namespaced (it is given pr-7); with it, it is refused.
    expect(namespaceEscapes(render([issuer]), "pr-7")).toBeUndefined();
    expect(namespaceEscapes(render([issuer]), "pr-7", kinds)).toContain("`ClusterIssuer/letsencrypt-prod`");
    // Same kind name, another group: not the cluster-wide one.
    expect(
      namespaceEscapes(render(["apiVersion: example.com/v1\nkind: ClusterIssuer\nmetadata:\n  name: x\n"]), "pr-7", kinds),
    ).toBeUndefined();
    expect(kubectlClusterKindsArgv("/k.yaml")).toEqual(["api-resources", "--namespaced=false", "--no-headers", "--kubeconfig", "/k.yaml"]);
  });

  it("a namespace set through a YAML merge key is seen where helm and kubectl would see it", () => {
    const merged = "apiVersion: v1\nkind: ConfigMap\ndata: &b\n  namespace: prod\nmetadata:\n  <<: *b\n  name: sneak\n";
    expect(namespaceEscapes(render([merged]), "pr-7")).toContain("`ConfigMap/prod/sneak`");
  });

  it("the destroy plan deletes only what is inside the namespace, then the namespace; round trip through the plan file", () => {
    const plan = destroyPlanOf(
      {
        yaml: [
          cm(),
          cm("prod"),
          previewNamespaceManifest("pr-7", "acme/web#7:web"),
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-secret\n",
        ].join("---\n"),
      },
      "pr-7",
      "kustomize",
    );
    expect(plan.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "delete ConfigMap/pr-7/cfg",
      "delete Secret/pr-7/s",
      "delete Namespace/pr-7",
    ]);
    expect(plan.summary.destroy).toBe(3);
    expect(plan.output).toContain("Left alone, because they are outside the preview's namespace: ConfigMap/prod/cfg.");
    // Identities only: no Secret value is in the plan file, and it is known for redaction.
    expect(plan.text).not.toContain("hunter2-secret");
    expect(plan.summary.sensitiveValues).toContain("hunter2-secret");
    expect(readDestroyPlan(plan.text)?.map((o) => `${o.kind}/${o.namespace}/${o.name}`)).toEqual([
      "ConfigMap/pr-7/cfg",
      "Secret/pr-7/s",
      "Namespace//pr-7",
    ]);
  });

  it("a project that no longer renders still loses its namespace; an ordinary render is no destroy plan", () => {
    const plan = destroyPlanOf({ problem: "Chart.yaml is missing" }, "pr-7", "helm");
    expect(plan.summary.resources).toEqual([{ address: "Namespace/pr-7", action: "delete" }]);
    expect(plan.output).toContain("could not be rendered at the commit of its last sync (Chart.yaml is missing)");
    expect(readDestroyPlan(cm())).toBeUndefined();
    expect(readDestroyPlan(`# sluice:delete {"kind":"ConfigMap"}\n${cm()}`)).toBeUndefined();
    expect(readDestroyPlan(encodeDestroyPlan([]))).toEqual([]);
  });

  it("argv: the namespace is looked up and created by kubectl (labelled); the teardown uninstalls, then deletes the namespace", () => {
    expect(kubectlGetNamespaceArgv("pr-7", "/k.yaml")).toEqual([
      "get",
      "namespace",
      "pr-7",
      "--ignore-not-found",
      "-o",
      "json",
      "--kubeconfig",
      "/k.yaml",
    ]);
    expect(kubectlCreateArgv("/d/preview-namespace.yaml", "/k.yaml")).toEqual([
      "create",
      "-f",
      "/d/preview-namespace.yaml",
      "--kubeconfig",
      "/k.yaml",
    ]);
    expect(previewNamespaceManifest("pr-7", "acme/web#7:web")).toContain('sluice.dev/preview: "true"');
    expect(helmUninstallArgv("web", "pr-7", "/k.yaml")).toEqual([
      "uninstall",
      "web",
      "--namespace",
      "pr-7",
      "--wait",
      "--ignore-not-found",
      "--kubeconfig",
      "/k.yaml",
    ]);
    expect(kubectlDeleteNamespaceArgv("pr-7", "/k.yaml")).toEqual([
      "delete",
      "namespace",
      "pr-7",
      "--ignore-not-found",
      "--wait=true",
      "--kubeconfig",
      "/k.yaml",
    ]);
  });

  it("a namespace is the preview's only when it carries the preview labels and names this preview", () => {
    const OF = "acme/web#7:web";
    const ns = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
      JSON.stringify({ kind: "Namespace", metadata: { name: "pr-7", labels, annotations } });
    const sluice = { "app.kubernetes.io/managed-by": "sluice", "sluice.dev/preview": "true" };
    expect(namespaceOwner("", "pr-7", OF)).toEqual({ kind: "absent" });
    expect(namespaceOwner(ns(sluice, { "sluice.dev/preview-of": OF }), "pr-7", OF)).toEqual({ kind: "ours" });
    for (const text of [ns({}), ns({ "sluice.dev/preview": "true" }, { "sluice.dev/preview-of": OF }), ns(sluice)]) {
      expect(namespaceOwner(text, "pr-7", OF).kind).toBe("foreign");
    }
    // Another repository's (or project's) preview of the same name is not this one's.
    const other = namespaceOwner(ns(sluice, { "sluice.dev/preview-of": "acme/api#7:api" }), "pr-7", OF);
    expect(other.kind === "foreign" ? other.message : "").toContain("belongs to the preview acme/api#7:api, not to acme/web#7:web");
    // An answer that cannot be read says nothing of the owner: not "someone else's", which a teardown would leave.
    expect(namespaceOwner("not json", "pr-7", OF).kind).toBe("unknown");
    const foreign = namespaceOwner(ns({ team: "payments" }), "pr-7", OF);
    expect(foreign.kind === "foreign" ? foreign.message : "").toContain(
      "a preview never writes into, adopts or deletes a namespace it did not create",
    );
    // The namespace Sluice creates says whose it is.
    expect(previewNamespaceManifest("pr-7", OF)).toContain(`sluice.dev/preview-of: "${OF}"`);
  });

  it("the comment and the console say a Helm preview's name is a namespace", () => {
    const records = [previewRecord({ project: "web", dir: "charts/web", runner: "helm" })];
    const body = renderPreviewComment(records, [], new Map(), 0);
    expect(body).toContain("| `web` | `pr-7` (namespace) | ✅ live |");
    expect(previewRows(records, 0)[0]).toMatchObject({ workspace: "pr-7", where: "namespace" });
    expect(previewRows([previewRecord({ runner: "terraform" })], 0)[0]?.where).toBe("workspace");
  });
});

describe("previews of projects that take other projects' outputs", () => {
  const p = (name: string, from: string[] = []) => ({
    name,
    inputsFrom: Object.fromEntries(from.map((f, i) => [`v${i}`, { project: f, output: "o" }])),
  });

  it("producers come first, dependents after; the given order stays otherwise", () => {
    const order = producersFirst([p("app", ["db", "net"]), p("db", ["net"]), p("web"), p("net")]).map((x) => x.name);
    expect(order).toEqual(["web", "net", "db", "app"]);
    // A producer without a preview (not in the list) does not hold its dependent back.
    expect(producersFirst([p("app", ["prod-db"]), p("web")]).map((x) => x.name)).toEqual(["app", "web"]);
  });

  it("a cycle (which the config refuses) keeps every project", () => {
    expect(
      producersFirst([p("a", ["b"]), p("b", ["a"]), p("c")])
        .map((x) => x.name)
        .sort(),
    ).toEqual(["a", "b", "c"]);
  });
});
