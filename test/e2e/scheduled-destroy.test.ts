import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

let h: Harness;

// The sweep looks every half second here; the hourly check and the live record's times are shifted in the store.
beforeAll(async () => {
  h = await startHarness({
    serverConfig: "allowed_overrides: [preview]\napply_requirements: []\napprovals: 0\n",
    env: () => ({ SLUICE_PREVIEW_SWEEP_MS: "500" }),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const CONFIG = `version: 1
projects:
  - name: app
    dir: app
    workspace: staging
    idle_ttl: 1h
`;

const tf = (wsDir: string, version: string) => `terraform {
  backend "local" {
    workspace_dir = "${wsDir}"
  }
}
resource "terraform_data" "web" {
  input = "\${terraform.workspace}-${version}"
}
`;

function write(fn: (db: Database.Database) => void) {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { fileMustExist: true });
  try {
    fn(db);
  } finally {
    db.close();
  }
}

function rows<T>(sql: string, ...args: unknown[]): T[] {
  let out: T[] = [];
  write((db) => {
    out = db.prepare(sql).all(...args) as T[];
  });
  return out;
}

/** The app's clock is its own: the workspace's last apply is moved back, and this hour's check forgotten. */
function shiftTime(repo: string, ms: number) {
  write((db) => {
    for (const r of db.prepare("SELECT id, finished_at FROM live_applies WHERE repo = ?").all(repo) as {
      id: number;
      finished_at: string;
    }[])
      db.prepare("UPDATE live_applies SET finished_at = ? WHERE id = ?").run(new Date(Date.parse(r.finished_at) - ms).toISOString(), r.id);
    db.prepare("UPDATE jobs SET once_key = NULL WHERE once_key LIKE ?").run(`scheduled-destroy-check:${repo}:%`);
  });
}

/** A repo whose default branch has `base` as config; a PR (with `head` as config) grows `app` and is applied. */
async function appliedPr(name: string, base: string, head: string) {
  const wsDir = join(await mkdtemp(join(h.stateDir, "sched-")), "ws");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": base, "app/main.tf": tf(wsDir, "v1"), "README.md": "x\n" },
  });
  h.sim.setPermission(repo, "alice", "write");
  await h.sim.pushBranch(repo, { branch: "grow", files: { ".sluice.yaml": head, "app/main.tf": tf(wsDir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow" });
  await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    message: "no plan",
    timeoutMs: 120_000,
  });
  await h.sim.comment(repo, pr.number, { user: "alice", body: "/apply" });
  const state = join(wsDir, "staging", "terraform.tfstate");
  await h.sim
    .waitFor(async () => (await stateResources(state)).length === 1, { message: "not applied", timeoutMs: 120_000 })
    .catch((e: unknown) => {
      console.error(h.sim.comments(repo, pr.number).map((c) => c.body.slice(0, 1500)));
      throw e;
    });
  await untilIdle(h.app.dataDir);
  return { repo, pr, state };
}

describe("scheduled destroy of an ordinary workspace", { timeout: 300_000 }, () => {
  it("idle_ttl: destroyed once through the gate, said on the PR that applied it; not destroyed again", async () => {
    const { repo, pr, state } = await appliedPr("scheduled", CONFIG, CONFIG);
    // Merged: its lock on the workspace is released (a PR holding it would refuse the destroy).
    await h.sim.mergePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    // Not idle for an hour yet: left alone by a check.
    shiftTime(repo.fullName, 30 * 60_000);
    await h.sim.waitFor(() => rows("SELECT id FROM jobs WHERE once_key LIKE ?", `scheduled-destroy-check:${repo.fullName}:%`).length > 0, {
      message: "no scheduled destroy check",
      timeoutMs: 60_000,
    });
    await untilIdle(h.app.dataDir);
    expect(await stateResources(state)).toHaveLength(1);

    shiftTime(repo.fullName, 60 * 60_000);
    const said = () => h.sim.comments(repo, pr.number).filter((c) => c.body.includes("scheduled destroy of `app`"));
    await h.sim
      .waitFor(() => said().length > 0, { message: "no scheduled destroy report", timeoutMs: 120_000 })
      .catch((e: unknown) => {
        // The app's own account, for the failure's reader.
        const lines = h.app
          .output()
          .split("\n")
          .filter((l) => /scheduled|destroy/i.test(l));
        console.error(lines.slice(-30).join("\n"), rows("SELECT id, status, error, spec, once_key FROM jobs ORDER BY id DESC LIMIT 6"));
        throw e;
      });
    expect(said()[0]?.body).toContain("destroyed (");
    expect(said()[0]?.body).toContain("`idle_ttl` (1h)");
    expect(await stateResources(state)).toEqual([]);
    const roads = rows<{ detail: string }>("SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'", repo.fullName);
    expect(roads.filter((r) => r.detail.startsWith("road: scheduled-destroy"))).toHaveLength(1);

    // Never twice: the next checks find the destroy in the live record.
    await untilIdle(h.app.dataDir);
    shiftTime(repo.fullName, 24 * 3600_000);
    await h.sim.waitFor(() => rows("SELECT id FROM jobs WHERE once_key LIKE ?", `scheduled-destroy-check:${repo.fullName}:%`).length > 0, {
      message: "no second check",
      timeoutMs: 60_000,
    });
    await untilIdle(h.app.dataDir);
    expect(said()).toHaveLength(1);
    expect(rows("SELECT id FROM jobs WHERE repo = ? AND spec LIKE ?", repo.fullName, '%"project":"app"%')).toHaveLength(1);
  });

  it("attack: a PR that adds idle_ttl to its own config and is applied sets nothing; the base branch's config decides", async () => {
    const plain = CONFIG.replace("    idle_ttl: 1h\n", "");
    const { repo, pr, state } = await appliedPr("sneaky", plain, CONFIG);
    // Closed unmerged: its lock goes, so nothing but the config could keep the workspace alive.
    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    shiftTime(repo.fullName, 48 * 3600_000);
    await h.sim.waitFor(() => rows("SELECT id FROM jobs WHERE once_key LIKE ?", `scheduled-destroy-check:${repo.fullName}:%`).length > 0, {
      message: "no scheduled destroy check",
      timeoutMs: 60_000,
    });
    await untilIdle(h.app.dataDir);
    expect(await stateResources(state)).toHaveLength(1);
    expect(rows("SELECT id FROM jobs WHERE repo = ? AND spec LIKE ?", repo.fullName, '%"project":"app"%')).toEqual([]);
  });
});
