import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureFiles } from "../support/fixture-files.js";
import type { Harness } from "../support/harness.js";
import { clusterObject, type StandInCluster, standIn, startStandInHarness } from "../support/k8s-stand-in.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * A Kubernetes project's credential is the repository's kubeconfig. A project the base branch does
 * not have is new, and a new project gets credentials from the server's `new_projects` alone: a PR
 * that moves production's Kustomize overlay to another workspace (the same dir, the same objects:
 * workspaces mean nothing to kubectl) made it new, out of production's freeze, and still applied
 * it with the repository's kubeconfig.
 */
const FIXTURES = resolve(import.meta.dirname, "../fixtures");
const config = (workspace?: string) =>
  `version: 1\nprojects:\n  - name: app\n    dir: k8s/app/overlays/prod\n    runner: kustomize\n${workspace ? `    workspace: ${workspace}\n` : ""}`;
const replicas = (n: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: ${n}\n`;

let h: Harness;
let kube: StandInCluster;
let stop: () => Promise<void>;
let overlay: Record<string, string>;

beforeAll(async () => {
  let cluster: Record<"kube", StandInCluster>;
  let root: string;
  ({ h, cluster, stop, root } = await startStandInHarness(["kube"] as const, {}, [
    "apply_requirements: []",
    "freezes:",
    '  - { match: "acme/kube-frozen:app", from: "2020-01-01T00:00:00Z", to: "2099-01-01T00:00:00Z", reason: "prod freeze" }',
  ]));
  kube = cluster.kube;
  overlay = await fixtureFiles(`${FIXTURES}/kustomize/app`, "k8s/app");
  // Production applied by hand before Sluice: the overlay's render (3 replicas), with its namespace.
  const home = join(root, "operator-kubectl");
  const render = await standIn("kubectl", ["kustomize", `${FIXTURES}/kustomize/app/overlays/prod`], home);
  const prodFile = join(root, "prod-render.yaml");
  await writeFile(prodFile, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n---\n${render}`);
  const args = [
    "apply",
    "--server-side",
    "--field-manager=operator",
    "--kubeconfig",
    kube.kubeconfig,
    "--namespace",
    "prod",
    "-f",
    prodFile,
  ];
  await standIn("kubectl", args, home);
}, 180_000);
afterAll(async () => {
  await stop?.();
});

const repos = new Map<string, Awaited<ReturnType<Harness["sim"]["createRepo"]>>>();
let branches = 0;

async function prWith(name: string, change: Record<string, string>) {
  const repo = repos.get(name) ?? (await h.sim.createRepo({ owner: "acme", name, files: { ...overlay, ".sluice.yaml": config() } }));
  repos.set(name, repo);
  const branch = `change-${++branches}`;
  await h.sim.pushBranch(repo, { branch, files: change });
  const pr = await h.sim.openPullRequest(repo, { head: branch, author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

const deployed = async () => (await clusterObject(kube, "prod", "Deployment", "api"))?.spec?.replicas;

describe("a new Kubernetes project never gets the repository's kubeconfig", () => {
  it("control: the base branch's project applies with it", async () => {
    expect(await deployed()).toBe(3);
    const { repo, pr } = await prWith("kube-open", { "k8s/app/overlays/prod/replicas.yaml": replicas(4) });
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply, reply).toMatch(/applied/i);
    expect(await deployed()).toBe(4);
  });

  it("control: in a frozen repository, the base branch's project is refused by its freeze", async () => {
    const { repo, pr } = await prWith("kube-frozen", { "k8s/app/overlays/prod/replicas.yaml": replicas(5) });
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(reply).toContain("prod freeze");
    expect(await deployed()).toBe(4);
  });

  it("the attack: production's overlay moved to another workspace is new, and is not applied to the cluster", async () => {
    const { repo, pr } = await prWith("kube-frozen", {
      ".sluice.yaml": config("sneak"),
      "k8s/app/overlays/prod/replicas.yaml": replicas(6),
    });
    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(await deployed(), reply).toBe(4);
    expect(reply).toContain("new project");
    expect(reply).toContain("new_projects");
  });
});
