import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { ApplyRequest, Exec, PlanOutcome, PlanRequest, Runner } from "../../runners/runner.js";
import type { Project } from "../../src/model/project.js";
import { installHelm } from "../../scripts/install-helm.js";
import { fakeRelease, templateAsDryRun } from "../support/helm-dry-run.js";
import { appliedObjectsOf, isReadBack } from "../support/applied-objects.js";

/**
 * Helm and Kustomize previews with the real tools for everything that needs no cluster (`helm
 * template`, `kubectl kustomize`); what would reach a cluster (upgrade, uninstall, apply, delete)
 * goes to a fake exec and is asserted by its argv: there is no cluster on these machines.
 */
const CHART = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const KUSTOMIZE = fileURLToPath(new URL("../fixtures/kustomize/app/", import.meta.url));
const KUBECONFIG = "/etc/sluice/kube/acme.yaml";

let helmPath = "";
let root = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-k8s-preview-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const helmProject: Project = {
  name: "web",
  dir: "charts/web",
  workspace: "pr-7",
  runner: "helm",
  helm: { release: "web", namespace: "prod", values: ["values-prod.yaml"], set: { replicaCount: 1 } },
  previewNamespace: "pr-7",
  previewOf: "acme/infra#7:web",
};
const kustomizeProject: Project = {
  name: "site",
  dir: "deploy/overlays/prod",
  workspace: "pr-7",
  runner: "kustomize",
  kustomize: { namespace: "prod" },
  previewNamespace: "pr-7",
  previewOf: "acme/infra#7:site",
};

async function checkout(kind: "helm" | "kustomize", change?: (dir: string) => Promise<void>) {
  const dir = join(root, String(++n));
  const head = join(dir, "head");
  const projectRoot = kind === "helm" ? join(head, "charts/web") : join(head, "deploy");
  await cp(kind === "helm" ? CHART : KUSTOMIZE, projectRoot, { recursive: true });
  await change?.(projectRoot);
  return { head, dataDir: join(dir, "data") };
}

type ClusterNamespace = "absent" | "ours" | "foreign";
const SLUICE_LABELS = { "app.kubernetes.io/managed-by": "sluice", "sluice.dev/preview": "true" };
/** The cluster's answer about namespace pr-7, made for preview `of` where it is ours. */
const namespaceJson = (ns: ClusterNamespace, of = "") =>
  ({
    absent: "",
    ours: JSON.stringify({ metadata: { name: "pr-7", labels: SLUICE_LABELS, annotations: { "sluice.dev/preview-of": of } } }),
    foreign: JSON.stringify({ metadata: { name: "pr-7", labels: { team: "payments" } } }),
  })[ns];

/** Real tools for rendering; the cluster's side answered here (its namespace as `ns` says); every call recorded. */
const API_RESOURCES = [
  "namespaces        ns   v1                             false   Namespace",
  "clusterroles           rbac.authorization.k8s.io/v1   false   ClusterRole",
  "clusterissuers         cert-manager.io/v1             false   ClusterIssuer",
  "",
].join("\n");

function recording(ns: ClusterNamespace = "absent", of = "", failing?: string, dryRun?: string) {
  const calls: string[][] = [];
  // No release yet; an upgrade deploys what `helm template` renders, which `get manifest` then reads back.
  const release = fakeRelease(helmPath);
  const run: Exec = async (file, args, opts) => {
    calls.push(args);
    const answer = (stdout: string) => ({ exitCode: args[0] === failing ? 1 : 0, timedOut: false, stdout, stderr: "", durationMs: 1 });
    if (args[0] === "get" && args[1] === "namespace") return answer(namespaceJson(ns, of));
    // A Kustomize apply's read-back: the cluster holds what was applied.
    if (isReadBack(args)) return answer(await appliedObjectsOf(args));
    if (args[0] === "get" && args[1] === "manifest") return release.get();
    // By default the upgrade renders what `helm template` does (the plan's render).
    if (args[0] === "upgrade" && args.includes("--dry-run=server"))
      return dryRun === undefined ? templateAsDryRun(helmPath, args, opts.cwd) : answer(dryRun);
    if (args[0] === "upgrade" && failing !== "upgrade") await release.upgrade(args, opts.cwd);
    // Discovery: a custom cluster-wide kind (cert-manager's) that no list of Sluice's knows.
    if (args[0] === "api-resources") return answer(API_RESOURCES);
    if (["upgrade", "uninstall", "apply", "delete", "create"].includes(args[0] ?? "")) return answer(`${args[0]} done\n`);
    return exec(file, args, opts);
  };
  return { calls, run };
}

async function plan(runner: Runner, project: Project, where: { head: string; dataDir: string }, destroy = false) {
  const r = recording();
  const req: PlanRequest = {
    project,
    checkoutDir: where.head,
    dataDir: where.dataDir,
    extraArgs: [],
    env: {},
    timeoutMs: 60_000,
    redact: (s) => s,
    destroy,
  };
  return { outcome: await runner.plan(req, r.run), calls: r.calls };
}

function ok(outcome: PlanOutcome) {
  if (!outcome.ok) throw new Error(`plan failed at ${outcome.failedStep}: ${outcome.message}`);
  return outcome;
}

async function apply(
  runner: Runner,
  project: Project,
  where: { head: string; dataDir: string },
  planFile: string,
  ns?: ClusterNamespace,
  /** Whose preview the cluster's namespace was made for (default: this project's). */
  madeFor = project.previewOf,
  /** A cluster call that fails (exit 1), by its first argument. */
  failing?: string,
  /** What the upgrade's server-side dry run prints. */
  dryRun?: string,
) {
  const r = recording(ns, madeFor, failing, dryRun);
  const req: ApplyRequest = {
    project,
    checkoutDir: where.head,
    dataDir: where.dataDir,
    planFile,
    env: {},
    timeoutMs: 60_000,
    redactWith: () => (s) => s,
    kubeconfig: KUBECONFIG,
  };
  return { outcome: await runner.apply(req, r.run), calls: r.calls };
}

const helm = () => createHelmRunner({ helmBinary: helmPath, kubectlBinary: "kubectl" });

describe("a Helm preview (real helm template)", () => {
  it("renders into its own namespace whatever the project's namespace is; the first install creates it, labelled", async () => {
    const where = await checkout("helm");
    const planned = ok((await plan(helm(), helmProject, where)).outcome);
    const addresses = planned.summary.resources.map((r) => r.address);
    expect(addresses.length).toBeGreaterThan(2);
    expect(addresses.every((a) => a.split("/")[1] === "pr-7")).toBe(true);
    const applied = await apply(helm(), helmProject, where, planned.planFile);
    expect(applied.outcome.ok).toBe(true);
    expect(applied.calls.filter((c) => c[0] !== "template").map((c) => c.slice(0, 3))).toEqual([
      ["get", "namespace", "pr-7"],
      ["create", "-f", join(where.dataDir, "preview-namespace.yaml")],
      ["upgrade", "--install", "--dry-run=server"],
      ["get", "manifest", "web"],
      ["api-resources", "--namespaced=false", "--no-headers"],
      ["upgrade", "--install", "--atomic"],
      // The release read back: it holds what was planned.
      ["get", "manifest", "web"],
    ]);
    expect(await readFile(join(where.dataDir, "preview-namespace.yaml"), "utf8")).toContain('sluice.dev/preview: "true"');
    const upgrade = applied.calls.find((c) => c[0] === "upgrade") ?? [];
    expect(upgrade.slice(upgrade.indexOf("--namespace"), upgrade.indexOf("--namespace") + 2)).toEqual(["--namespace", "pr-7"]);
    // The next push: the namespace is there, the preview's own; it is not created again.
    const again = await apply(helm(), helmProject, where, planned.planFile, "ours");
    expect(again.calls.filter((c) => c[0] === "create")).toEqual([]);
    expect(again.calls.some((c) => c[0] === "upgrade")).toBe(true);
  });

  it("an upgrade that would render outside the namespace (IsUpgrade, lookup) is stopped by its own dry run", async () => {
    const where = await checkout("helm");
    const planned = ok((await plan(helm(), helmProject, where)).outcome);
    const sneaky = JSON.stringify({
      name: "web",
      manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: pr-7\n",
      hooks: [{ manifest: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: prod\n" }],
    });
    const applied = await apply(helm(), helmProject, where, planned.planFile, "ours", helmProject.previewOf, undefined, sneaky);
    expect(applied.outcome.ok ? "" : applied.outcome.message).toContain("the upgrade renders differently from the plan");
    expect(applied.outcome.ok ? "" : applied.outcome.message).toContain("create a Job the plan does not have");
    expect(applied.calls.filter((c) => c[0] === "upgrade" && !c.includes("--dry-run=server"))).toEqual([]);
  });

  it("another preview's namespace of the same name (another repository or project) is not this one's", async () => {
    const where = await checkout("helm");
    const planned = ok((await plan(helm(), helmProject, where)).outcome);
    const theirs = await apply(
      helm(),
      { ...helmProject, previewOf: "acme/other#7:web" },
      where,
      planned.planFile,
      "ours",
      helmProject.previewOf,
    );
    expect(theirs.outcome.ok ? "" : theirs.outcome.message).toContain("belongs to the preview acme/infra#7:web, not to acme/other#7:web");
    expect(theirs.calls.filter((c) => ["upgrade", "create"].includes(c[0] ?? ""))).toEqual([]);
  });

  it("a namespace of that name that Sluice did not create is never written into nor torn down", async () => {
    const where = await checkout("helm");
    const planned = ok((await plan(helm(), helmProject, where)).outcome);
    const applied = await apply(helm(), helmProject, where, planned.planFile, "foreign");
    expect(applied.outcome.ok ? "" : applied.outcome.message).toContain("exists and is not a Sluice preview's");
    expect(applied.calls.filter((c) => ["upgrade", "create"].includes(c[0] ?? ""))).toEqual([]);
    const teardown = ok((await plan(helm(), helmProject, where, true)).outcome);
    // Its teardown touches nothing, and is done: the preview put nothing there (a retry could never do more).
    const destroyed = await apply(helm(), helmProject, where, teardown.planFile, "foreign");
    expect(destroyed.outcome.ok).toBe(true);
    expect(destroyed.outcome.output).toContain("left as it is: nothing of this preview's is in it");
    expect(destroyed.calls).toEqual([["get", "namespace", "pr-7", "--ignore-not-found", "-o", "json", "--kubeconfig", KUBECONFIG]]);
  });

  it("a chart that writes into another namespace is refused before anything is applied", async () => {
    const where = await checkout("helm", (dir) =>
      writeFile(join(dir, "templates/escape.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: takeover\n  namespace: prod\n"),
    );
    const { outcome } = await plan(helm(), helmProject, where);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failedStep).toBe("preview namespace");
    expect(outcome.message).toContain("`ConfigMap/prod/takeover`");
  });

  it("the teardown: a destroy plan of what it rendered, applied as helm uninstall then the namespace's deletion", async () => {
    const where = await checkout("helm");
    const planned = ok((await plan(helm(), helmProject, where, true)).outcome);
    expect(planned.summary.add + planned.summary.change).toBe(0);
    expect(planned.summary.resources.at(-1)).toEqual({ address: "Namespace/pr-7", action: "delete" });
    expect(planned.summary.resources.every((r) => r.action === "delete")).toBe(true);
    // The chart's Secret value is known for redaction, and is not in the plan file.
    expect(planned.summary.sensitiveValues).toContain("fixture-db-password-1");
    expect(await readFile(planned.planFile, "utf8")).not.toContain("fixture-db-password-1");
    const applied = await apply(helm(), helmProject, where, planned.planFile, "ours");
    expect(applied.outcome.ok).toBe(true);
    expect(applied.calls).toEqual([
      ["get", "namespace", "pr-7", "--ignore-not-found", "-o", "json", "--kubeconfig", KUBECONFIG],
      ["uninstall", "web", "--namespace", "pr-7", "--wait", "--ignore-not-found", "--kubeconfig", KUBECONFIG],
      ["delete", "namespace", "pr-7", "--ignore-not-found", "--wait=true", "--kubeconfig", KUBECONFIG],
    ]);
  });

  it("a chart that no longer renders is still torn down", async () => {
    const where = await checkout("helm", (dir) => rm(join(dir, "Chart.yaml")));
    const planned = ok((await plan(helm(), helmProject, where, true)).outcome);
    expect(planned.output).toContain("could not be rendered");
    const applied = await apply(helm(), helmProject, where, planned.planFile, "ours");
    expect(applied.calls.map((c) => c.slice(0, 2))).toEqual([
      ["get", "namespace"],
      ["uninstall", "web"],
      ["delete", "namespace"],
    ]);
    // An uninstall that fails (a hook, an older helm) is said, and the namespace still goes with everything in it.
    const stuck = await apply(helm(), helmProject, where, planned.planFile, "ours", helmProject.previewOf, "uninstall");
    expect(stuck.outcome.ok).toBe(true);
    expect(stuck.outcome.output).toContain("helm uninstall exited with code 1; the namespace's deletion removes what is left");
    expect(stuck.calls.map((c) => c.slice(0, 2))).toEqual([
      ["get", "namespace"],
      ["uninstall", "web"],
      ["delete", "namespace"],
    ]);
    // Already gone (an earlier attempt finished it): nothing to remove, and that is a success.
    const gone = await apply(helm(), helmProject, where, planned.planFile, "absent");
    expect(gone.outcome.ok).toBe(true);
    expect(gone.calls.map((c) => c[0])).toEqual(["get"]);
  });

  it("no destroy plan for a project that is not a preview, and no namespace deletion from one", async () => {
    const where = await checkout("helm");
    const real = { ...helmProject, workspace: "default", previewNamespace: undefined };
    const { outcome } = await plan(helm(), real, where, true);
    expect(outcome.ok ? "" : outcome.message).toBe("a helm project is destroyed only as a preview (its own namespace)");
    // A saved destroy plan handed to a real project's apply deletes nothing.
    const planned = ok((await plan(helm(), helmProject, where, true)).outcome);
    const applied = await apply(helm(), real, where, planned.planFile);
    expect(applied.outcome.ok ? "" : applied.outcome.message).toContain("applies only to a preview's own namespace");
    expect(applied.calls).toEqual([]);
  });
});

describe("a Kustomize preview (real kubectl kustomize)", () => {
  const kustomize = () => createKustomizeRunner();

  it("kustomize's namespace transformer moves every object into the preview's namespace, the Namespace first", async () => {
    const where = await checkout("kustomize");
    const planned = ok((await plan(kustomize(), kustomizeProject, where)).outcome);
    expect(planned.summary.resources.map((r) => `${r.action} ${r.address}`)).toEqual([
      "create Deployment/pr-7/api",
      "create Namespace/pr-7",
      "create Secret/pr-7/api-credentials",
      "create Service/pr-7/api",
    ]);
    const applied = await apply(kustomize(), kustomizeProject, where, planned.planFile);
    expect(applied.outcome.ok).toBe(true);
    expect(applied.calls.shift()?.slice(0, 3)).toEqual(["get", "namespace", "pr-7"]);
    expect(applied.calls.shift()?.[0]).toBe("api-resources");
    expect(applied.calls[0]?.slice(0, 6)).toEqual([
      "apply",
      "--server-side",
      "--field-manager=sluice",
      "--kubeconfig",
      KUBECONFIG,
      "--namespace",
    ]);
    expect(applied.calls[0]?.[6]).toBe("pr-7");
  });

  it("a custom kind the cluster keeps outside namespaces is refused at apply, and never deleted by a teardown", async () => {
    const issuer = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-prod\n";
    const where = await checkout("kustomize", async (dir) => {
      await writeFile(join(dir, "base/issuer.yaml"), issuer);
      const k = join(dir, "base/kustomization.yaml");
      await writeFile(k, (await readFile(k, "utf8")).replace("  - service.yaml\n", "  - service.yaml\n  - issuer.yaml\n"));
    });
    // No list of Sluice's knows the kind: kustomize puts it in pr-7 and the plan passes.
    const planned = ok((await plan(kustomize(), kustomizeProject, where)).outcome);
    expect(planned.summary.resources.map((r) => r.address)).toContain("ClusterIssuer/pr-7/letsencrypt-prod");
    // The cluster says it is cluster-wide: nothing is applied.
    const applied = await apply(kustomize(), kustomizeProject, where, planned.planFile, "ours");
    expect(applied.outcome.ok ? "" : applied.outcome.message).toContain("`ClusterIssuer/letsencrypt-prod`");
    expect(applied.calls.filter((c) => c[0] === "apply")).toEqual([]);
    // A teardown of a plan that names it deletes everything else, never it.
    const teardown = ok((await plan(kustomize(), kustomizeProject, where, true)).outcome);
    expect(teardown.summary.resources.map((r) => r.address)).toContain("ClusterIssuer/pr-7/letsencrypt-prod");
    const destroyed = await apply(kustomize(), kustomizeProject, where, teardown.planFile, "ours");
    expect(destroyed.outcome.ok).toBe(true);
    const deletions = await readFile(join(where.dataDir, "deletions.yaml"), "utf8");
    expect(deletions).toContain('kind: "Deployment"');
    expect(deletions).not.toContain("ClusterIssuer");
  });

  it("a cluster-scoped object is refused by name", async () => {
    const where = await checkout("kustomize", async (dir) => {
      await writeFile(
        join(dir, "base/role.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: everything\n",
      );
      const k = join(dir, "base/kustomization.yaml");
      await writeFile(k, (await readFile(k, "utf8")).replace("  - service.yaml\n", "  - service.yaml\n  - role.yaml\n"));
    });
    const { outcome } = await plan(kustomize(), kustomizeProject, where);
    expect(outcome.ok ? "" : outcome.message).toContain("`ClusterRole/everything`");
  });

  it("the teardown deletes the planned objects inside the namespace, then the namespace", async () => {
    const where = await checkout("kustomize");
    const planned = ok((await plan(kustomize(), kustomizeProject, where, true)).outcome);
    const applied = await apply(kustomize(), kustomizeProject, where, planned.planFile, "ours");
    expect(applied.outcome.ok).toBe(true);
    expect(applied.calls.map((c) => c.slice(0, 2))).toEqual([
      ["get", "namespace"],
      ["api-resources", "--namespaced=false"],
      ["delete", "--ignore-not-found"],
      ["delete", "namespace"],
    ]);
    const deletions = await readFile(join(where.dataDir, "deletions.yaml"), "utf8");
    expect(deletions.match(/namespace: "pr-7"/g)?.length).toBe(3);
    expect(deletions).not.toContain("prod");
    expect(deletions).not.toContain('kind: "Namespace"');
  });
});
