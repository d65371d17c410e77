import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decodeDeletions, deletionManifest, encodeDeletions } from "../../runners/k8s/deletion-header.js";
import {
  kubectlApplyArgv,
  kubectlDeleteArgv,
  kubectlDryRunApplyArgv,
  kubectlGetLiveArgv,
  kustomizeBuildArgv,
} from "../../runners/kustomize/kustomize-argv.js";

describe("kubectl argv", () => {
  it("renders with the kustomize built into kubectl", () => {
    expect(kustomizeBuildArgv("/repo/deploy/prod")).toEqual(["kustomize", "/repo/deploy/prod"]);
  });

  it("applies the saved render server-side under Sluice's field manager", () => {
    expect(kubectlApplyArgv("/data/p/rendered.yaml", { kubeconfig: "/k", namespace: "default" })).toEqual([
      "apply",
      "--server-side",
      "--field-manager=sluice",
      "--kubeconfig",
      "/k",
      "--namespace",
      "default",
      "-f",
      "/data/p/rendered.yaml",
    ]);
    expect(kubectlApplyArgv("/r.yaml", { kubeconfig: "/k", namespace: "prod" })).toEqual([
      "apply",
      "--server-side",
      "--field-manager=sluice",
      "--kubeconfig",
      "/k",
      "--namespace",
      "prod",
      "-f",
      "/r.yaml",
    ]);
  });

  it("deletes by identity, tolerating objects already gone", () => {
    expect(kubectlDeleteArgv("/data/p/deletions.yaml", { kubeconfig: "/k", namespace: "prod" })).toEqual([
      "delete",
      "--ignore-not-found",
      "--kubeconfig",
      "/k",
      "--namespace",
      "prod",
      "-f",
      "/data/p/deletions.yaml",
    ]);
  });

  it("live diff, head side: a server-side apply dry run of the saved render, read back as YAML", () => {
    expect(kubectlDryRunApplyArgv("/r.yaml", { kubeconfig: "/k", namespace: "prod" })).toEqual([
      "apply",
      "--server-side",
      "--field-manager=sluice",
      "--dry-run=server",
      "-o",
      "yaml",
      "--kubeconfig",
      "/k",
      "--namespace",
      "prod",
      "-f",
      "/r.yaml",
    ]);
    // The same manager and target as the real apply: only the dry run and the output differ.
    const apply = kubectlApplyArgv("/r.yaml", { kubeconfig: "/k", namespace: "prod" });
    const dry = kubectlDryRunApplyArgv("/r.yaml", { kubeconfig: "/k", namespace: "prod" });
    expect(dry.filter((a) => !["--dry-run=server", "-o", "yaml"].includes(a))).toEqual(apply);
  });

  it("live diff, live side: get the render's objects and the deleted ones, missing ones skipped", () => {
    expect(kubectlGetLiveArgv(["/r.yaml", "/d.yaml"], { kubeconfig: "/k", namespace: "default" })).toEqual([
      "get",
      "--ignore-not-found",
      "-o",
      "yaml",
      "--kubeconfig",
      "/k",
      "--namespace",
      "default",
      "-f",
      "/r.yaml",
      "-f",
      "/d.yaml",
    ]);
  });
});

describe("deletions in the plan file", () => {
  const objects = [
    { apiVersion: "v1", kind: "Service", namespace: "prod", name: "api" },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", namespace: "", name: "reader" },
  ];

  it("round-trips through comment lines that kubectl ignores", () => {
    const header = encodeDeletions(objects);
    expect(header.split("\n").every((l) => l === "" || l.startsWith("# sluice:delete "))).toBe(true);
    expect(decodeDeletions(`${header}apiVersion: v1\nkind: ConfigMap\n# sluice:delete {"not":"header"}\n`)).toEqual(objects);
    expect(decodeDeletions("apiVersion: v1\n")).toEqual([]);
  });

  it("becomes a manifest of identities only", () => {
    const docs = deletionManifest(objects)
      .split("---\n")
      .filter((d) => d !== "")
      .map((d) => parse(d));
    expect(docs).toEqual([
      { apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: "prod" } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "reader" } },
    ]);
  });
});
