import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureFiles } from "../support/fixture-files.js";
import type { Harness } from "../support/harness.js";
import { clusterNamespaces, KUSTOMIZE_PREVIEW_CONFIG, type StandInCluster, startStandInHarness } from "../support/k8s-stand-in.js";
import { previewDeployments, storeRows, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { edit } from "./kubernetes-support.js";

/**
 * A pull request closed while its preview's sync is inside `kubectl apply` (held there by the
 * stand-in's test hook, so the order is certain, not a matter of timing): the close's destroy
 * waits for the sync's run lock, and must then end the deployment that sync made too.
 */
const FIXTURES = resolve(import.meta.dirname, "../fixtures");

let h: Harness;
let c: StandInCluster;
let stop: () => Promise<void>;
beforeAll(async () => {
  let cluster: Record<"race", StandInCluster>;
  ({ h, cluster, stop } = await startStandInHarness(["race"] as const));
  c = cluster.race;
}, 180_000);
afterAll(async () => {
  await rm(join(c?.dir ?? "/nonexistent", ".hold-apply"), { force: true });
  await stop?.();
});

describe("a close during a preview's sync", { timeout: 300_000 }, () => {
  // The destroy waits for the sync (one preview job of a pull request at a time) and reads the
  // preview again under its run lock: the deployment the push's sync made is ended too.
  it("the destroy runs after the sync and every deployment of the preview ends inactive", async () => {
    const files: Record<string, string> = {
      ...(await fixtureFiles(`${FIXTURES}/kustomize/app`, "k8s/app")),
      ".sluice.yaml": KUSTOMIZE_PREVIEW_CONFIG,
    };
    const repo = await h.sim.createRepo({ owner: "acme", name: "race-1", files });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, {
      branch: "feature",
      files: {
        "k8s/app/overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n",
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice", title: "feature" });
    await waitPreviewComment(h, repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);

    // The push's sync stops inside its apply (after its plan, holding the preview's run lock).
    await writeFile(join(c.dir, ".hold-apply"), "");
    const base = files["k8s/app/base/deployment.yaml"];
    await h.sim.pushToPullRequest(repo, pr.number, { "k8s/app/base/deployment.yaml": edit(base, "api:1.0.0", "api:1.1.0") });
    await h.sim.waitFor(() => existsSync(join(c.dir, ".held")), { message: "the push's apply never started", timeoutMs: 150_000 });
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    // The close's job has started: its previews' destroy waits for the sync, which holds the pull request's previews.
    await h.sim.waitFor(
      () =>
        storeRows<{ spec: string }>(h, "SELECT spec FROM jobs WHERE repo = ? AND status = 'running'", repo.fullName).some((r) =>
          r.spec.includes('"kind":"cleanup"'),
        ),
      { message: "the close did not start the destroy", timeoutMs: 150_000 },
    );
    // Nothing of the preview was marked for destroying while the sync still ran.
    expect(
      storeRows<{ record: string }>(h, "SELECT record FROM previews WHERE repo = ?", repo.fullName).some((r) =>
        r.record.includes('"status":"destroying"'),
      ),
    ).toBe(false);
    await rm(join(c.dir, ".hold-apply"));

    await waitPreviewComment(h, repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed at close");
    await untilIdle(h.app.dataDir);
    expect(await clusterNamespaces(c)).toEqual([]);
    const deployments = previewDeployments(h, repo, "app", pr.number);
    // One deployment per sync: the open's and the push's, both made before the destroy ran.
    expect(deployments).toHaveLength(2);
    expect(deployments.map((d) => d.statuses.at(-1)?.state)).toEqual(["inactive", "inactive"]);
  });
});
