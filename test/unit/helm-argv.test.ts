import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HELM_DEFAULT_IGNORES } from "../../runners/k8s/ignore-differences.js";
import { chartDependencies, needsDependencyBuild } from "../../runners/helm/chart-dependencies.js";
import {
  helmDependencyBuildArgv,
  helmDiffDryRunArgv,
  helmEnv,
  helmGetManifestArgv,
  helmTemplateArgv,
  helmUpgradeArgv,
  valueArgs,
} from "../../runners/helm/helm-argv.js";
import { helmBinary } from "../../runners/helm/helm-binary.js";
import { defaultReleaseName, resolveHelmSettings } from "../../runners/helm/helm-settings.js";
import { readZipEntry } from "../../runners/helm/read-zip-entry.js";
import { makeZip } from "../support/make-zip.js";

const chart = {
  release: "web",
  namespace: "apps",
  values: ["/repo/charts/web/values-prod.yaml", "/repo/shared/common.yaml"],
  set: { "image.tag": "1.10", replicaCount: 3, "feature.enabled": false, note: "a,b\\c=d" },
  setFiles: { "db.password": "/data/secret-set-x/v0" },
  chartDir: "/repo/charts/web",
};
const valueTail = [
  "--values",
  "/repo/charts/web/values-prod.yaml",
  "--values",
  "/repo/shared/common.yaml",
  "--set-json",
  "feature.enabled=false",
  "--set-literal",
  "image.tag=1.10",
  "--set-literal",
  "note=a,b\\c=d",
  "--set-json",
  "replicaCount=3",
  "--set-file",
  "db.password=/data/secret-set-x/v0",
];

describe("helm argv", () => {
  it("passes strings literally, other scalars as JSON, secrets as files, sorted by key", () => {
    expect(valueArgs(chart)).toEqual(valueTail);
  });

  it("template", () => {
    expect(helmTemplateArgv(chart)).toEqual([
      "template",
      "web",
      "/repo/charts/web",
      "--namespace",
      "apps",
      "--include-crds",
      "--skip-tests",
      ...valueTail,
    ]);
  });

  it("template with the cluster's API versions and Kubernetes version from the project settings", () => {
    const argv = helmTemplateArgv({
      ...chart,
      apiVersions: ["monitoring.coreos.com/v1/ServiceMonitor", "autoscaling.k8s.io/v1"],
      kubeVersion: "1.29",
    });
    expect(argv.slice(7, 13)).toEqual([
      "--api-versions",
      "monitoring.coreos.com/v1/ServiceMonitor",
      "--api-versions",
      "autoscaling.k8s.io/v1",
      "--kube-version",
      "1.29",
    ]);
  });

  it("upgrade hides the chart's notes, with server secrets among the values or without (notes render with them, and with what `lookup` reads)", () => {
    const argv = helmUpgradeArgv({ ...chart, setFiles: { "db.password": "/tmp/s/v0" }, kubeconfig: "/k.yaml" });
    expect(argv.slice(0, 5)).toEqual(["upgrade", "--install", "--atomic", "--wait", "--hide-notes"]);
    // No plan shows the notes, and in an upgrade a template's `lookup` reads the cluster with the
    // apply's credentials: notes printing it would post it on the PR.
    expect(helmUpgradeArgv({ ...chart, setFiles: {}, kubeconfig: "/k.yaml" }).slice(0, 5)).toEqual([
      "upgrade",
      "--install",
      "--atomic",
      "--wait",
      "--hide-notes",
    ]);
  });

  it("upgrade --install --atomic --wait with the kubeconfig", () => {
    expect(helmUpgradeArgv({ ...chart, kubeconfig: "/etc/sluice/kube/acme.yaml" })).toEqual([
      "upgrade",
      "--install",
      "--atomic",
      "--wait",
      "--hide-notes",
      "web",
      "/repo/charts/web",
      "--namespace",
      "apps",
      ...valueTail,
      "--kubeconfig",
      "/etc/sluice/kube/acme.yaml",
    ]);
  });

  it("live diff: server dry run and the live manifest", () => {
    expect(helmDiffDryRunArgv({ ...chart, setFiles: {}, kubeconfig: "/k" })).toEqual([
      "upgrade",
      "--install",
      "--dry-run=server",
      "--output",
      "json",
      "web",
      "/repo/charts/web",
      "--namespace",
      "apps",
      ...valueTail.slice(0, -2),
      "--kubeconfig",
      "/k",
    ]);
    expect(helmGetManifestArgv("web", "apps", "/k")).toEqual(["get", "manifest", "web", "--namespace", "apps", "--kubeconfig", "/k"]);
  });

  it("dependency build stays offline", () => {
    expect(helmDependencyBuildArgv("/repo/charts/web")).toEqual(["dependency", "build", "/repo/charts/web", "--skip-refresh"]);
  });

  it("keeps helm's state in the project data dir, without plugins", () => {
    expect(helmEnv("/data/p")).toEqual({
      HELM_CACHE_HOME: "/data/p/helm/cache",
      HELM_CONFIG_HOME: "/data/p/helm/config",
      HELM_DATA_HOME: "/data/p/helm/data",
      HELM_NO_PLUGINS: "1",
    });
  });
});

describe("helm settings", () => {
  it.each([
    ["charts/web", "web"],
    ["deploy/My_App.v2", "my-app-v2"],
    [".", "release"],
    ["x/---", "release"],
    [`a/${"n".repeat(80)}`, "n".repeat(53)],
  ])("release name for %s is %s", (dir, name) => {
    expect(defaultReleaseName(dir)).toBe(name);
  });

  it("defaults", () => {
    expect(resolveHelmSettings({ name: "web", dir: "charts/web", workspace: "default", runner: "helm" })).toEqual({
      release: "web",
      namespace: "default",
      values: [],
      set: {},
      // Chart-version labels are ignored by default.
      ignore: [...HELM_DEFAULT_IGNORES],
      apiVersions: [],
    });
  });

  it("binary: configured, else .tools/bin/helm when installed, else PATH", async () => {
    const root = await mkdtemp(join(tmpdir(), "sluice-helmbin-"));
    expect(helmBinary("/opt/helm", root)).toBe("/opt/helm");
    expect(helmBinary(undefined, root)).toBe("helm");
    await mkdir(join(root, ".tools", "bin"), { recursive: true });
    await writeFile(join(root, ".tools", "bin", "helm"), "");
    expect(helmBinary(undefined, root)).toBe(join(root, ".tools", "bin", "helm"));
    await rm(root, { recursive: true });
  });
});

describe("chart dependencies", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function chartWith(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "sluice-chart-"));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }
  const chartYaml =
    "apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: cache\n    version: 0.1.0\n    repository: file://../cache\n";

  it("needs no build without dependencies", async () => {
    const dir = await chartWith({ "Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n" });
    expect(await chartDependencies(dir)).toEqual([]);
    expect(await needsDependencyBuild(dir, await chartDependencies(dir))).toBe(false);
  });

  it.each([
    ["missing", {}, true],
    ["vendored unpacked", { "charts/cache/Chart.yaml": "name: cache" }, false],
    ["vendored packed", { "charts/cache-0.1.0.tgz": "" }, false],
    ["another chart only", { "charts/other/Chart.yaml": "name: other" }, true],
  ])("a dependency %s under charts/ -> build %s", async (_name, files, expected) => {
    const dir = await chartWith({ "Chart.yaml": chartYaml, ...files });
    const deps = await chartDependencies(dir);
    expect(deps).toEqual([{ name: "cache", repository: "file://../cache" }]);
    expect(await needsDependencyBuild(dir, deps)).toBe(expected);
  });

  it("reads v1 requirements.yaml too", async () => {
    const dir = await chartWith({ "Chart.yaml": "apiVersion: v1\nname: old\n", "requirements.yaml": "dependencies:\n  - name: db\n" });
    expect(await chartDependencies(dir)).toEqual([{ name: "db" }]);
  });
});

describe("readZipEntry (the installer's fallback without unzip)", () => {
  const helm = Buffer.from("#!/bin/sh\necho helm\n".repeat(100));
  const zip = makeZip([
    { name: "helm/", data: Buffer.alloc(0), stored: true },
    { name: "kubectl/kubectl", data: Buffer.from("kubectl"), stored: true },
    { name: "helm/helm", data: helm },
  ]);

  it("extracts a deflated entry", () => {
    expect(readZipEntry(zip, "helm/helm")).toEqual(helm);
  });

  it("extracts a stored entry", () => {
    expect(readZipEntry(zip, "kubectl/kubectl")?.toString()).toBe("kubectl");
  });

  it("returns undefined for a missing entry and throws on a non-zip", () => {
    expect(readZipEntry(zip, "nope")).toBeUndefined();
    expect(() => readZipEntry(Buffer.from("not a zip at all, definitely not"), "x")).toThrow(/not a zip/);
  });
});
