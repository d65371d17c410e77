import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec as realExec } from "../../runners/exec.js";

const exec: Exec = realExec;
import type { KustomizeProject } from "../../runners/kustomize/kustomize-settings.js";
import type { Exec } from "../../runners/runner.js";
import { installKubectl } from "../../scripts/install-helm.js";
import { clusterObject, newCluster, planAndApplyKustomize, standIn } from "../support/k8s-stand-in.js";

/**
 * A pull request that removes a CRD and its custom objects: the apply deletes both, and the
 * read-back then asks for the deleted objects again. kubectl maps every object's kind through
 * discovery first, and a kind whose CRD is gone fails the whole `kubectl get` ("no matches for
 * kind"), which `--ignore-not-found` does not ignore (it ignores NotFound only). The stand-in
 * kubectl maps custom kinds as kubectl does.
 */
let root = "";
beforeAll(async () => {
  await installKubectl();
  root = await mkdtemp(join(tmpdir(), "sluice-kustomize-crd-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const project: KustomizeProject = {
  name: "app",
  dir: "k8s/app",
  workspace: "default",
  runner: "kustomize",
  kustomize: { namespace: "prod" },
};
const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }]
`;
const WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: prod\nspec:\n  size: 1\n";
const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: prod\ndata:\n  a: b\n";

async function app(dir: string, files: Record<string, string>) {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await writeFile(
    join(dir, "kustomization.yaml"),
    `resources:\n${Object.keys(files)
      .map((x) => `  - ${x}\n`)
      .join("")}`,
  );
}

describe("a Kustomize apply that deletes a CRD with its custom objects", () => {
  it("is reported applied once both are gone (the custom kind no longer served is no failure of the read-back)", async () => {
    const { cluster, applied, planned } = await deleteCrd(join(root, "a"), exec);
    expect(planned.summary.resources.map((r) => `${r.action} ${r.address}`).sort()).toEqual([
      "delete CustomResourceDefinition/widgets.example.com",
      "delete Widget/prod/w",
      "update ConfigMap/prod/x",
    ]);
    expect(await clusterObject(cluster, "prod", "Widget", "w")).toBeUndefined();
    expect(applied.ok ? "" : applied.message).toBe("");
  }, 120_000);

  it("control: a kind discovery still lists is read back as before (and kubectl's failure reported)", async () => {
    const listing: Exec = async (file, args, opts) => {
      const r = await exec(file, args, opts);
      if (args[0] !== "api-resources") return r;
      return { ...r, stdout: `${r.stdout}widgets   example.com/v1   true   Widget\n` };
    };
    const { applied } = await deleteCrd(join(root, "b"), listing);
    expect(applied.ok ? "" : applied.message).toContain("could not be read back");
    expect(applied.ok ? "" : applied.message).toContain('no matches for kind "Widget"');
  }, 120_000);
});

async function deleteCrd(root: string, exec: Exec) {
  {
    const cluster = await newCluster(root, "prod");
    const home = join(root, "operator");
    const seed = join(root, "seed.yaml");
    await writeFile(seed, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n---\n${CRD}---\n${WIDGET}---\n${CM}`);
    await standIn("kubectl", ["apply", "--server-side", "--field-manager=sluice", "--kubeconfig", cluster.kubeconfig, "-f", seed], home);
    const base = join(root, "base");
    const head = join(root, "head");
    await app(join(base, "k8s/app"), { "crd.yaml": CRD, "widget.yaml": WIDGET, "cm.yaml": CM });
    await app(join(head, "k8s/app"), { "cm.yaml": CM.replace("a: b", "a: c") });
    const { planned, applied } = await planAndApplyKustomize(project, { base, head, dataDir: join(root, "data"), env, cluster }, exec);
    return { cluster, planned, applied };
  }
}
