import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { planFileHere } from "../../src/tool-runs/plan-file-here.js";
import { planSigningKey, signPlan } from "../../src/tool-runs/plan-signature.js";

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-plan-moved-"));
  store = openSqliteStore(":memory:");
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const key = planSigningKey("whsec-test");
const bytes = Buffer.from("plan bytes\n");
const planHash = createHash("sha256").update(bytes).digest("hex");

/** A plan made (and signed) under `repo` by a replica whose file is not on the one that applies. */
async function savedUnder(repo: string, pr = 3) {
  const plan = {
    repo,
    pr,
    project: "net",
    dir: "net",
    workspace: "default",
    runner: "terraform" as const,
    headSha: "h1",
    baseSha: "b1",
    planPath: "/elsewhere/plan-1/plan.tfplan",
    planHash,
    summary: { hasChanges: true, destroyPlan: false, add: 1, change: 0, destroy: 0 },
    jobId: 1,
  };
  return store.savePlan(plan as Parameters<Store["savePlan"]>[0], {
    sha256: planHash,
    size: bytes.length,
    bytes,
    mac: signPlan(key, plan),
  });
}

const move = (from: string, to: string, repoId = 4242) =>
  store.moveRepository({ from, to, repoId, deliveryId: `d-${from}-${to}`, actor: "octocat", how: "renamed" });

describe("a saved plan after its repository was renamed (applied on a replica without its file)", () => {
  it("is applied under the new name: signed under the old one, the repository's own", async () => {
    await store.noteRepository(4242, "acme/infra");
    await savedUnder("acme/infra");
    expect(await move("acme/infra", "acme/platform")).toMatchObject({ kind: "moved" });
    const [plan] = await store.pendingPlans("acme/platform", 3);
    if (!plan) throw new Error("the plan did not follow the rename");
    const here = await planFileHere(store, plan, join(dir, "apply-1"), key);
    expect(here).toMatchObject({ ok: true });
  });

  it("control: a plan signed for another repository's name is still refused", async () => {
    await store.noteRepository(4242, "acme/infra");
    await savedUnder("acme/other");
    const [other] = await store.pendingPlans("acme/other", 3);
    if (!other) throw new Error("no plan");
    // Its row rewritten in the database to the repository now called acme/platform.
    await move("acme/infra", "acme/platform");
    const here = await planFileHere(store, { ...other, repo: "acme/platform" }, join(dir, "apply-2"), key);
    expect(here).toMatchObject({ ok: false, reason: expect.stringContaining("does not carry this Sluice's signature") });
  });

  it("a plan of the repository that took the former name since (another id) is refused under the renamed one", async () => {
    await store.noteRepository(4242, "acme/infra");
    expect(await move("acme/infra", "acme/platform")).toMatchObject({ kind: "moved" });
    // A new repository is created under the freed name; Sluice hears it and plans its PR 3.
    await store.noteRepository(5151, "acme/infra");
    await savedUnder("acme/infra");
    const [theirs] = await store.pendingPlans("acme/infra", 3);
    if (!theirs) throw new Error("no plan");
    // Its row rewritten in the database to the repository now called acme/platform.
    const here = await planFileHere(store, { ...theirs, repo: "acme/platform" }, join(dir, "apply-3"), key);
    expect(here).toMatchObject({ ok: false, reason: expect.stringContaining("does not carry this Sluice's signature") });
  });
});
