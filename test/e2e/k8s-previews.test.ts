import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureFiles } from "../support/fixture-files.js";
import type { Harness } from "../support/harness.js";
import {
  clusterNamespace,
  clusterNamespaces,
  clusterObject,
  clusterRelease,
  namespaceFiles,
  newCluster,
  type StandInCluster,
  standIn,
  startStandInHarness,
  KUSTOMIZE_PREVIEW_CONFIG,
} from "../support/k8s-stand-in.js";
import { allowedRoads, previewComment, previewDeployments, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { edit } from "./kubernetes-support.js";

/**
 * Helm and Kustomize previews through the whole app (webhook → plan → gate → apply → deployment →
 * close → teardown) against the helm and kubectl stand-ins and their file "cluster": there is no
 * Kubernetes cluster on these machines. Every assertion about the cluster reads its files back.
 */
const FIXTURES = resolve(import.meta.dirname, "../fixtures");

let h: Harness;
let clusters: string;
let cluster: Record<"helm" | "kustomize" | "attack" | "split" | "sandbox" | "applyonly" | "moved", StandInCluster>;
let stop: () => Promise<void>;
let chart: Record<string, string>;
let overlay: Record<string, string>;

beforeAll(async () => {
  // `split`'s previews go to the `sandbox` cluster; `applyonly` has no kubeconfig for previews.
  ({
    h,
    root: clusters,
    cluster,
    stop,
  } = await startStandInHarness(["helm", "kustomize", "attack", "split", "sandbox", "applyonly", "moved"] as const, {
    split: "sandbox",
    applyonly: null,
  }));
  chart = await fixtureFiles(`${FIXTURES}/charts/web`, "charts/web");
  overlay = await fixtureFiles(`${FIXTURES}/kustomize/app`, "k8s/app");
}, 180_000);
afterAll(async () => {
  await stop?.();
});

const HELM_CONFIG = `version: 1
projects:
  - name: web
    dir: charts/web
    helm: { namespace: prod }
    preview:
      url: "https://pr-{number}.preview.example.test"
      vars: { replicaCount: 1 }
`;

/** Production's release, installed by hand before Sluice, as an operator would: what no preview may touch. */
async function installProduction(c: StandInCluster): Promise<Record<string, string>> {
  const home = join(clusters, "operator-helm");
  await standIn(
    "helm",
    [
      "upgrade",
      "--install",
      "--atomic",
      "--wait",
      "--create-namespace",
      "web",
      `${FIXTURES}/charts/web`,
      "--namespace",
      "prod",
      "--kubeconfig",
      c.kubeconfig,
    ],
    home,
  );
  const prod = await namespaceFiles(c, "prod");
  expect(Object.keys(prod)).toContain(join("releases", "prod", "web.json"));
  return prod;
}

async function newRepo(name: string, files: Record<string, string>) {
  const repo = await h.sim.createRepo({
    owner: name.includes("/") ? (name.split("/")[0] as string) : "acme",
    name: name.split("/").at(-1) as string,
    files,
  });
  h.sim.setPermission(repo, "alice", "write");
  return repo;
}

async function openPr(repo: Awaited<ReturnType<typeof newRepo>>, files: Record<string, string>) {
  await h.sim.pushBranch(repo, { branch: "feature", files });
  return h.sim.openPullRequest(repo, { head: "feature", author: "alice", title: "feature" });
}

/** The live diff section of the PR's own plan comment (not the preview's), from its header on. */
function livePlanDiff(repo: Awaited<ReturnType<typeof newRepo>>, pr: number): string {
  const plans = h.sim
    .comments(repo, pr)
    .filter((x) => x.user === "sluice[bot]" && !x.body.includes("previews of this pull request"))
    .map((x) => x.body)
    .join("\n");
  const at = plans.indexOf("== Live diff against the cluster");
  return at < 0 ? "" : plans.slice(at);
}

describe("Helm and Kustomize previews against the stand-in cluster", { timeout: 300_000 }, () => {
  it("a preview plans and applies with the server's preview kubeconfig, never production's apply one; without one, no preview (the apply kubeconfig alone is told)", async () => {
    const prod = await installProduction(cluster.split);
    const repo = await newRepo("split-1", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const pr = await openPr(repo, { "charts/web/values.yaml": edit(chart["charts/web/values.yaml"], "greeting: hello", "greeting: hi") });
    await waitPreviewComment(h, repo, pr.number, /✅ live/, "the preview did not go live");
    await untilIdle(h.app.dataDir);
    // In the previews' cluster; production's (the apply kubeconfig's) has only prod, as it was.
    expect(await clusterNamespaces(cluster.sandbox)).toEqual([`pr-${pr.number}`]);
    expect(await clusterRelease(cluster.sandbox, `pr-${pr.number}`, "web")).toBeDefined();
    expect(await clusterNamespaces(cluster.split)).toEqual(["prod"]);
    expect(await namespaceFiles(cluster.split, "prod")).toEqual(prod);

    const applyOnly = await newRepo("applyonly-1", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const other = await openPr(applyOnly, {
      "charts/web/values.yaml": edit(chart["charts/web/values.yaml"], "greeting: hello", "greeting: hi"),
    });
    const told = await waitPreviewComment(h, applyOnly, other.number, /no kubeconfig/, "the missing preview kubeconfig was not said");
    expect(told).toContain("No preview of web: this server has no kubeconfig for previews of acme/applyonly-1");
    await untilIdle(h.app.dataDir);
    expect(await clusterNamespaces(cluster.applyonly)).toEqual([]);
    expect(previewDeployments(h, applyOnly, "web", other.number)).toEqual([]);
  });

  it("helm: open → live in namespace pr-N with the preview's values and URL; push → upgraded; close → namespace gone; prod untouched", async () => {
    const c = cluster.helm;
    const prod = await installProduction(c);
    const repo = await newRepo("helm-1", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const values = chart["charts/web/values.yaml"];
    const pr = await openPr(repo, { "charts/web/values.yaml": edit(values, "greeting: hello", "greeting: preview-v2") });
    const ns = `pr-${pr.number}`;
    const body = await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview");
    expect(body).toContain(`\`${ns}\` (namespace)`);
    expect(body).toContain(`https://pr-${pr.number}.preview.example.test`);
    expect((await clusterObject(c, ns, "Deployment", "web-web"))?.spec?.replicas).toBe(1);
    expect((await clusterObject(c, ns, "ConfigMap", "web-web"))?.data?.GREETING).toBe("preview-v2");
    expect((await clusterRelease(c, ns, "web"))?.version).toBe(1);
    expect(await clusterNamespaces(c)).toEqual([ns, "prod"].sort());
    // Sluice made the namespace, labelled as a preview's (helm's --create-namespace would not label it).
    expect((await clusterNamespace(c, ns))?.metadata.labels).toMatchObject({
      "sluice.dev/preview": "true",
      "app.kubernetes.io/managed-by": "sluice",
    });
    const [deployment] = previewDeployments(h, repo, "web", pr.number);
    expect(deployment?.transient).toBe(true);
    expect(deployment?.statuses.at(-1)).toMatchObject({ state: "success", environmentUrl: `https://pr-${pr.number}.preview.example.test` });
    // The PR's own plan of production compared the chart with the release installed in prod.
    await untilIdle(h.app.dataDir);
    const live = livePlanDiff(repo, pr.number);
    expect(live).toMatch(/^== Live diff against the cluster \(server-side dry-run\): 0 to create, 2 to update, 0 to delete ==/);
    expect(live).toMatch(/-\s+GREETING: hello\n\+\s+GREETING: preview-v2/);

    const push = await h.sim.pushToPullRequest(repo, pr.number, {
      "charts/web/values.yaml": edit(values, "greeting: hello", "greeting: preview-v3"),
    });
    await h.sim.waitFor(async () => (await clusterObject(c, ns, "ConfigMap", "web-web"))?.data?.GREETING === "preview-v3", {
      message: "the push did not upgrade the preview",
      timeoutMs: 150_000,
    });
    await waitPreviewComment(h, repo, pr.number, new RegExp(`applied ${push.headSha.slice(0, 7)}`), "the comment does not show the push");
    expect((await clusterRelease(c, ns, "web"))?.version).toBe(2);
    expect(await namespaceFiles(c, "prod")).toEqual(prod);

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed at close");
    expect(await clusterNamespaces(c)).toEqual(["prod"]);
    expect(existsSync(join(c.dir, "namespaces", ns))).toBe(false);
    expect(existsSync(join(c.dir, "releases", ns))).toBe(false);
    const deployments = previewDeployments(h, repo, "web", pr.number);
    expect(deployments.length).toBeGreaterThanOrEqual(2);
    expect(deployments.every((d) => d.statuses.at(-1)?.state === "inactive")).toBe(true);
    // Production, byte for byte as installed before the PR.
    expect(await namespaceFiles(c, "prod")).toEqual(prod);
    await untilIdle(h.app.dataDir);
    const roads = allowedRoads(h, repo);
    expect(roads.filter((r) => r === "preview-apply")).toHaveLength(2);
    expect(roads.filter((r) => r === "preview-destroy")).toHaveLength(1);
  });

  it("kustomize: the prod overlay's objects land in pr-N only, follow a push, and go with the namespace at close", async () => {
    const c = cluster.kustomize;
    // Production applied by hand before Sluice: the overlay's render, with the namespace it needs.
    const home = join(clusters, "operator-kubectl");
    const render = await standIn("kubectl", ["kustomize", `${FIXTURES}/kustomize/app/overlays/prod`], home);
    const prodFile = join(clusters, "prod-render.yaml");
    await writeFile(prodFile, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n---\n${render}`);
    await standIn(
      "kubectl",
      ["apply", "--server-side", "--field-manager=operator", "--kubeconfig", c.kubeconfig, "--namespace", "prod", "-f", prodFile],
      home,
    );
    const prod = await namespaceFiles(c, "prod");
    expect((await clusterObject(c, "prod", "Deployment", "api"))?.spec?.replicas).toBe(3);

    const repo = await newRepo("kustomize-1", { ...overlay, ".sluice.yaml": KUSTOMIZE_PREVIEW_CONFIG });
    const replicas = overlay["k8s/app/overlays/prod/replicas.yaml"];
    const pr = await openPr(repo, { "k8s/app/overlays/prod/replicas.yaml": edit(replicas, "replicas: 3", "replicas: 2") });
    const ns = `pr-${pr.number}`;
    const body = await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview");
    expect(body).toContain(`https://pr-${pr.number}.app.example.test`);
    // The PR's own plan of production compared the overlay with what the cluster holds in prod.
    await untilIdle(h.app.dataDir);
    expect(livePlanDiff(repo, pr.number)).toMatch(
      /^== Live diff against the cluster \(server-side dry-run\): 0 to create, 1 to update, 0 to delete ==/,
    );
    expect(livePlanDiff(repo, pr.number)).toMatch(/-\s+replicas: 3\n\+\s+replicas: 2/);
    expect(await clusterNamespaces(c)).toEqual([ns, "prod"].sort());
    expect((await clusterObject(c, ns, "Deployment", "api"))?.spec?.replicas).toBe(2);
    expect((await clusterObject(c, ns, "Secret", "api-credentials"))?.data?.API_KEY).toBe(
      Buffer.from("fixture-api-key-1").toString("base64"),
    );
    // Everything the overlay renders, and nothing else, in the preview's own namespace, labelled as Sluice's.
    expect(Object.keys(await namespaceFiles(c, ns))).toEqual(
      ["Deployment.api.json", "Secret.api-credentials.json", "Service.api.json", "namespace.json"].map((f) => join("namespaces", ns, f)),
    );
    expect((await clusterNamespace(c, ns))?.metadata.labels).toMatchObject({ "sluice.dev/preview": "true" });
    expect(existsSync(join(c.dir, "cluster"))).toBe(false);
    expect(previewDeployments(h, repo, "app", pr.number).at(-1)?.statuses.at(-1)).toMatchObject({
      state: "success",
      environmentUrl: `https://pr-${pr.number}.app.example.test`,
    });

    const deployment = overlay["k8s/app/base/deployment.yaml"];
    const push = await h.sim.pushToPullRequest(repo, pr.number, {
      "k8s/app/base/deployment.yaml": edit(deployment, "api:1.0.0", "api:1.1.0"),
    });
    await h.sim.waitFor(
      async () =>
        (await clusterObject(c, ns, "Deployment", "api"))?.spec?.template?.spec?.containers?.[0]?.image === "ghcr.io/example/api:1.1.0",
      { message: "the push did not update the preview", timeoutMs: 150_000 },
    );
    // The sync is over (its deployment recorded) before the close: see the report of the close-during-sync race.
    await waitPreviewComment(h, repo, pr.number, new RegExp(`applied ${push.headSha.slice(0, 7)}`), "the comment does not show the push");
    expect(await namespaceFiles(c, "prod")).toEqual(prod);

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed at close");
    expect(await clusterNamespaces(c)).toEqual(["prod"]);
    expect(existsSync(join(c.dir, "namespaces", ns))).toBe(false);
    expect(previewDeployments(h, repo, "app", pr.number).every((d) => d.statuses.at(-1)?.state === "inactive")).toBe(true);
    expect(await namespaceFiles(c, "prod")).toEqual(prod);
    await untilIdle(h.app.dataDir);
    expect(allowedRoads(h, repo).filter((r) => r === "preview-destroy")).toHaveLength(1);
  });

  it("a preview whose kubeconfig now reaches another cluster is neither updated nor torn down there (it would be left running); with the kubeconfig back, it is", async () => {
    const c = cluster.moved;
    const repo = await newRepo("moved-1", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const values = chart["charts/web/values.yaml"];
    const pr = await openPr(repo, { "charts/web/values.yaml": edit(values, "greeting: hello", "greeting: first") });
    const ns = `pr-${pr.number}`;
    await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);
    expect(await clusterNamespaces(c)).toEqual([ns]);

    // The operator points the previews' kubeconfig (same file) at a new cluster.
    const kept = await readFile(c.kubeconfig, "utf8");
    const other = await newCluster(clusters, "moved-other");
    await writeFile(c.kubeconfig, await readFile(other.kubeconfig, "utf8"));
    await h.sim.pushToPullRequest(repo, pr.number, { "charts/web/values.yaml": edit(values, "greeting: hello", "greeting: second") });
    const refused = await waitPreviewComment(h, repo, pr.number, /not updated/, "the update in another cluster was not refused");
    expect(refused).toContain(`applied in the cluster at \`${new URL(`file://${c.dir}`).href}\``);
    await untilIdle(h.app.dataDir);
    expect(await clusterNamespaces(other)).toEqual([]);
    expect((await clusterObject(c, ns, "ConfigMap", "web-web"))?.data?.GREETING).toBe("first");

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, repo, pr.number, /destroy failed.*not destroyed/, "the teardown in another cluster was not refused");
    await untilIdle(h.app.dataDir);
    // Still running where it lives, and said so; nothing was called destroyed.
    expect(await clusterNamespaces(c)).toEqual([ns]);
    expect(await clusterNamespaces(other)).toEqual([]);
    expect(previewComment(h, repo, pr.number)).not.toContain("🗑️ destroyed");

    // Control: with the kubeconfig back, the same preview is torn down where it lives.
    await writeFile(c.kubeconfig, kept);
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy" });
    await waitPreviewComment(h, repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed with its kubeconfig back");
    await untilIdle(h.app.dataDir);
    expect(await clusterNamespaces(c)).toEqual([]);
  });

  it("attacks: a template writing into prod gets no preview, nor does a PR whose namespace someone else made; prod is untouched; a repository with no kubeconfig is told", async () => {
    const c = cluster.attack;
    const prod = await installProduction(c);
    const repo = await newRepo("attack-1", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const sneak = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sneak\n  namespace: prod\ndata:\n  owned: "yes"\n';
    const pr = await openPr(repo, { "charts/web/templates/sneak.yaml": sneak });
    const body = await waitPreviewComment(h, repo, pr.number, /preview namespace/, "the escape was not refused");
    expect(body).toContain("ConfigMap/prod/sneak");
    expect(body).not.toContain("✅ live");
    await untilIdle(h.app.dataDir);
    expect(previewDeployments(h, repo, "web", pr.number)).toEqual([]);
    expect(await clusterNamespaces(c)).toEqual(["prod"]);
    expect(await namespaceFiles(c, "prod")).toEqual(prod);
    expect(allowedRoads(h, repo)).not.toContain("preview-apply");

    // A namespace someone else made, with the name the next preview would get: never written into.
    const foreign = await newRepo("attack-2", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const theirs = join(clusters, "theirs.yaml");
    await writeFile(
      theirs,
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pr-1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: theirs\n  namespace: pr-1\n",
    );
    await standIn("kubectl", ["apply", "--server-side", "--kubeconfig", c.kubeconfig, "-f", theirs], join(clusters, "operator-kubectl"));
    const before = await namespaceFiles(c, "pr-1");
    const taken = await openPr(foreign, {
      "charts/web/values.yaml": edit(chart["charts/web/values.yaml"], "greeting: hello", "greeting: hi"),
    });
    expect(taken.number).toBe(1);
    const refused = await waitPreviewComment(h, foreign, taken.number, /not a Sluice preview/, "the foreign namespace was not refused");
    expect(refused).not.toContain("✅ live");
    await untilIdle(h.app.dataDir);
    expect(await namespaceFiles(c, "pr-1")).toEqual(before);
    expect(await clusterRelease(c, "pr-1", "web")).toBeUndefined();
    expect(await namespaceFiles(c, "prod")).toEqual(prod);
    // Its close ends the preview (no retry could do more) and still leaves their namespace alone.
    await h.sim.closePullRequest(foreign, taken.number, { user: "alice" });
    await waitPreviewComment(h, foreign, taken.number, /🗑️ destroyed/, "the refused preview did not end at close");
    await untilIdle(h.app.dataDir);
    expect(await namespaceFiles(c, "pr-1")).toEqual(before);

    const elsewhere = await newRepo("nokube/helm-2", { ...chart, ".sluice.yaml": HELM_CONFIG });
    const other = await openPr(elsewhere, {
      "charts/web/values.yaml": edit(chart["charts/web/values.yaml"], "greeting: hello", "greeting: hi"),
    });
    const told = await waitPreviewComment(h, elsewhere, other.number, /no kubeconfig/, "the missing kubeconfig was not said");
    expect(told).toContain("No preview of web: this server has no kubeconfig for previews of nokube/helm-2");
    await untilIdle(h.app.dataDir);
    expect(previewDeployments(h, elsewhere, "web", other.number)).toEqual([]);
    expect(previewComment(h, elsewhere, other.number)).not.toContain("✅ live");
  });
});
