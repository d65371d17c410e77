import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KustomizeProject } from "../../runners/kustomize/kustomize-settings.js";
import { installKubectl } from "../../scripts/install-helm.js";
import { clusterObject, newCluster, planAndApplyKustomize, standIn } from "../support/k8s-stand-in.js";

/**
 * A Kustomize project with no `namespace` setting plans objects that name none in `default` (the
 * documented default: its addresses, `protect` and the live diff read that). The apply must put
 * them there too, not in the namespace the kubeconfig's context happens to name: the kubectl
 * stand-in places them as kubectl does (--namespace, else the context's, else `default`).
 */
let root = "";
let n = 0;
beforeAll(async () => {
  await installKubectl();
  root = await mkdtemp(join(tmpdir(), "sluice-kustomize-ns-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;

async function app(dir: string, names: string[]) {
  await mkdir(dir, { recursive: true });
  for (const name of names) await writeFile(join(dir, `${name}.yaml`), configMap(name));
  await writeFile(join(dir, "kustomization.yaml"), `resources:\n${names.map((x) => `  - ${x}.yaml\n`).join("")}`);
}

async function setUp(project: KustomizeProject, extraHead?: (dir: string) => Promise<void>) {
  const dir = join(root, String(++n));
  const cluster = await newCluster(dir, "prod");
  // The context names a namespace, as many operators' kubeconfigs do.
  const text = await readFile(cluster.kubeconfig, "utf8");
  await writeFile(
    cluster.kubeconfig,
    text.replace("context: { cluster: prod, user: prod }", "context: { cluster: prod, user: prod, namespace: prod }"),
  );
  const home = join(dir, "operator");
  await mkdir(join(dir, "seed"), { recursive: true });
  for (const ns of ["default", "prod"]) {
    await writeFile(join(dir, "seed", `${ns}.yaml`), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
    await standIn("kubectl", ["apply", "--server-side", "--kubeconfig", cluster.kubeconfig, "-f", join(dir, "seed", `${ns}.yaml`)], home);
  }
  // prod's own `extra`, which no plan of a project without a namespace names.
  await writeFile(join(dir, "seed", "extra.yaml"), configMap("extra").replace("a: b", "a: precious"));
  await standIn(
    "kubectl",
    ["apply", "--server-side", "--kubeconfig", cluster.kubeconfig, "--namespace", "prod", "-f", join(dir, "seed", "extra.yaml")],
    home,
  );
  const base = join(dir, "base");
  const head = join(dir, "head");
  await app(join(base, "k8s/app"), ["data", "web"]);
  await app(join(head, "k8s/app"), ["web", "extra"]);
  await extraHead?.(join(head, "k8s/app"));
  const { planned, applied } = await planAndApplyKustomize(project, { base, head, dataDir: join(dir, "data"), env, cluster });
  return { cluster, planned, applied };
}

describe("a Kustomize apply goes to the namespace its plan names", () => {
  it("with no namespace setting: the plan's `default`, never the context's (whose objects the plan did not name)", async () => {
    const project: KustomizeProject = { name: "app", dir: "k8s/app", workspace: "default", runner: "kustomize" };
    const { cluster, planned, applied } = await setUp(project);
    // What reviewers and the rules read: a new object in `default` (auto_approve `no_destroy` takes it).
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "delete ConfigMap/default/data",
      "create ConfigMap/default/extra",
    ]);
    if (!applied.ok) throw new Error(applied.message);
    // prod's object is not overwritten by what the plan showed as created elsewhere.
    expect((await clusterObject(cluster, "prod", "ConfigMap", "extra"))?.data).toEqual({ a: "precious" });
    expect((await clusterObject(cluster, "default", "ConfigMap", "extra"))?.data).toEqual({ a: "b" });
  });

  it("control: with `namespace: prod`, the plan and the apply are both prod's", async () => {
    const project: KustomizeProject = {
      name: "app",
      dir: "k8s/app",
      workspace: "default",
      runner: "kustomize",
      kustomize: { namespace: "prod" },
    };
    const { cluster, planned, applied } = await setUp(project);
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "delete ConfigMap/prod/data",
      "create ConfigMap/prod/extra",
    ]);
    if (!applied.ok) throw new Error(applied.message);
    expect((await clusterObject(cluster, "prod", "ConfigMap", "extra"))?.data).toEqual({ a: "b" });
  });

  it("control: objects naming their own namespace go there beside those naming none (two kubectl calls)", async () => {
    const project: KustomizeProject = { name: "app", dir: "k8s/app", workspace: "default", runner: "kustomize" };
    const { cluster, planned, applied } = await setUp(project, async (dir) => {
      await writeFile(
        join(dir, "monitoring.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n---\n" +
          configMap("agent").replace("name: agent", "name: agent\n  namespace: monitoring"),
      );
      await writeFile(join(dir, "kustomization.yaml"), "resources:\n  - web.yaml\n  - extra.yaml\n  - monitoring.yaml\n");
    });
    expect(planned.ok && planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "delete ConfigMap/default/data",
      "create ConfigMap/default/extra",
      "create ConfigMap/monitoring/agent",
      "create Namespace/monitoring",
    ]);
    if (!applied.ok) throw new Error(applied.message);
    expect(await clusterObject(cluster, "monitoring", "ConfigMap", "agent")).toBeDefined();
    expect((await clusterObject(cluster, "default", "ConfigMap", "extra"))?.data).toEqual({ a: "b" });
    expect((await clusterObject(cluster, "prod", "ConfigMap", "extra"))?.data).toEqual({ a: "precious" });
  });
});
