import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import { manifestPermissions } from "../simulator/installation-permissions.js";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

/** What an installation of the app.yml before `deployments: write` was added granted. */
const OLDER_MANIFEST = {
  contents: "read",
  pull_requests: "write",
  issues: "write",
  checks: "write",
  statuses: "read",
  metadata: "read",
  merge_queues: "read",
  members: "read",
};

interface Readyz {
  ok: boolean;
  checks: { name: string; ok: boolean; detail?: string; reason?: string }[];
}

/** /readyz once the permissions were read (the check runs in the background after start). */
async function readyzAfterPermissions(h: Harness): Promise<{ status: number; body: Readyz; permissions?: Readyz["checks"][number] }> {
  for (;;) {
    const r = await fetch(`${h.app.url}/readyz`);
    const body = (await r.json()) as Readyz;
    const permissions = body.checks.find((c) => c.name === "github_permissions");
    // Each says "checking …" until GitHub answered (the credentials' check: "checking the app's
    // credentials with GitHub"): whichever answers last, the answer is read after it.
    const checking = [permissions, body.checks.find((c) => c.name === "github")].some(
      (c) => c?.detail?.startsWith("checking") || c?.reason?.startsWith("checking"),
    );
    if (!checking) return { status: r.status, body, permissions };
    await new Promise((r) => setTimeout(r, 50));
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("the simulator enforces the installation's permissions as GitHub does", () => {
  it("a call the installation has no permission for is 403 'Resource not accessible by integration'; a fetch without contents is refused", async () => {
    const sim = await startSimulator({
      webhookSecret: "s",
      permissions: { ...manifestPermissions(), deployments: "none", contents: "none" },
    });
    try {
      const repo = await sim.createRepo({ owner: "acme", name: "perm", files: { "README.md": "x\n" } });
      const token = sim.mintToken();
      const headers = { authorization: `token ${token}`, "content-type": "application/json" };
      const api = `${sim.url}/api/v3/repos/acme/perm`;
      const denied = await fetch(`${api}/deployments`, { method: "POST", headers, body: JSON.stringify({ ref: repo.defaultBranch }) });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { message: string }).message).toBe("Resource not accessible by integration");
      expect(denied.headers.get("x-accepted-github-permissions")).toBe("deployments=write");
      // Either of two permissions is enough where GitHub says so (a PR comment: issues or pull_requests).
      expect((await fetch(`${api}/issues/1/comments`, { headers })).status).not.toBe(403);
      const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
      const fetchRefs = await fetch(`${sim.url}/acme/perm.git/info/refs?service=git-upload-pack`, {
        headers: { authorization: `Basic ${basic}` },
      });
      expect(fetchRefs.status).toBe(403);

      sim.setInstallationPermissions(manifestPermissions());
      const allowed = await fetch(`${api}/deployments`, { method: "POST", headers, body: JSON.stringify({ ref: repo.defaultBranch }) });
      expect(allowed.status).toBe(201);
    } finally {
      await sim.stop();
    }
  });
});

describe("Sluice reads what the installation granted at start", () => {
  it("an installation of an older manifest: the log and /readyz name deployments: write and what stops; applies still run, no deployment appears", async () => {
    h = await startHarness({
      serverConfig: "apply_requirements: []\n",
      beforeStart: async (sim) => sim.setInstallationPermissions(OLDER_MANIFEST),
    });
    const { status, permissions } = await readyzAfterPermissions(h);
    expect(status).toBe(200);
    expect(permissions?.ok).toBe(true);
    expect(permissions?.detail).toContain(
      "lacks deployments: write (has none): a GitHub Deployment for each apply (applies still run; no deployment appears)",
    );
    const app = h.app;
    // The log is written asynchronously: wait for the line, not for a time.
    await h.sim.waitFor(() => app.output().includes("has not granted what Sluice needs: deployments: write (has none)"), {
      timeoutMs: 10_000,
    });

    const state = join(h.stateDir, "net.tfstate");
    h.sim.setPermission("acme/older", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "older", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const sim = h.sim;
    await sim.waitFor(() => sim.comments(repo, pr.number).some((c) => c.user === "sluice[bot]" && /Plan: 1 to add/.test(c.body)), {
      timeoutMs: 90_000,
    });
    await sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
    await sim.waitFor(() => sim.comments(repo, pr.number).some((c) => c.user === "sluice[bot]" && /✅ applied/.test(c.body)), {
      timeoutMs: 90_000,
    });
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
    expect(sim.deployments(repo)).toEqual([]);
    expect(sim.calls.filter((c) => c.method === "POST" && c.path.endsWith("/deployments")).map((c) => c.status)).toContain(403);
  }, 180_000);

  it("an installation without checks: write: /readyz fails, naming it and what stops", async () => {
    h = await startHarness({ beforeStart: async (sim) => sim.setInstallationPermissions({ ...manifestPermissions(), checks: "read" }) });
    const { status, permissions } = await readyzAfterPermissions(h);
    expect(status).toBe(503);
    expect(permissions?.ok).toBe(false);
    expect(permissions?.reason).toContain("checks: write (has read): the sluice/plan and sluice/apply check runs");
  });

  it("an installation that granted what app.yml asks for: ready, nothing named", async () => {
    h = await startHarness();
    const { status, permissions } = await readyzAfterPermissions(h);
    expect(status).toBe(200);
    expect(permissions).toEqual({ name: "github_permissions", ok: true });
  });
});
