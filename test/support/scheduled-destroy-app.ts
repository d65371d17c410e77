import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Harness, stateResources } from "./harness.js";
import { untilIdle } from "./until-idle.js";

/**
 * The scheduled destroy's e2e helpers. The app's clock is its own (never faked): the tests move
 * the store's times instead (a workspace's last apply, the kept attempts' next time) and forget
 * this hour's check, so that the next sweep checks again.
 */
export function appDb(h: Harness) {
  const write = (fn: (db: Database.Database) => void) => {
    const db = new Database(join(h.app.dataDir, "sluice.db"), { fileMustExist: true });
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  const rows = <T>(sql: string, ...args: unknown[]): T[] => {
    let out: T[] = [];
    write((db) => {
      out = db.prepare(sql).all(...args) as T[];
    });
    return out;
  };
  const forgetChecks = (db: Database.Database, repo: string) =>
    db.prepare("UPDATE jobs SET once_key = NULL WHERE once_key LIKE ?").run(`scheduled-destroy-check:${repo}:%`);
  const checks = (repo: string) => rows("SELECT id FROM jobs WHERE once_key LIKE ?", `scheduled-destroy-check:${repo}:%`);
  /** Waits for the sweep's check of the repo (a shift forgot the earlier ones) and for all that queued. */
  const checked = async (repo: string) => {
    await h.sim.waitFor(() => checks(repo).length > 0, { message: "no scheduled destroy check", timeoutMs: 60_000 });
    await untilIdle(h.app.dataDir);
  };
  return {
    write,
    rows,
    /** The workspace's applies `ms` earlier. */
    shiftTime(repo: string, ms: number) {
      write((db) => {
        for (const r of db.prepare("SELECT id, finished_at FROM live_applies WHERE repo = ?").all(repo) as {
          id: number;
          finished_at: string;
        }[])
          db.prepare("UPDATE live_applies SET finished_at = ? WHERE id = ?").run(
            new Date(Date.parse(r.finished_at) - ms).toISOString(),
            r.id,
          );
        forgetChecks(db, repo);
      });
    },
    /** The workspace's applies finished at `iso`. */
    appliedAt(repo: string, iso: string) {
      write((db) => {
        db.prepare("UPDATE live_applies SET finished_at = ? WHERE repo = ?").run(iso, repo);
        forgetChecks(db, repo);
      });
    },
    /** The kept attempts of the repo's scheduled destroys, as stored. */
    attempts(repo: string) {
      return rows<{ value: string }>("SELECT value FROM flags WHERE name LIKE ?", `scheduled-destroy-attempts:%"${repo}"%`).map(
        (r) => JSON.parse(r.value) as { attempts: number; nextAt: number; message?: string },
      );
    },
    /** The next attempt may start now: its kept time is moved to the past. */
    backoffOver(repo: string) {
      write((db) => {
        db.prepare("UPDATE flags SET value = json_set(value, '$.nextAt', 0) WHERE name LIKE ?").run(
          `scheduled-destroy-attempts:%"${repo}"%`,
        );
        forgetChecks(db, repo);
      });
    },
    checked,
    /** Forgets the repo's earlier checks, then waits for the next sweep's check of it and for all that queued. */
    async nextCheck(repo: string) {
      await untilIdle(h.app.dataDir);
      write((db) => forgetChecks(db, repo));
      await checked(repo);
    },
  };
}

export const tfWorkspace = (wsDir: string, version: string, extra = "") => `terraform {
  backend "local" {
    workspace_dir = "${wsDir}"
  }
}
resource "terraform_data" "web" {
  input = "\${terraform.workspace}-${version}"
${extra}}
`;

/** A repo whose default branch has `base` as config; a PR (with `head` as config) grows `app` and is applied. */
export async function appliedPr(h: Harness, name: string, base: string, head: string, extra = "") {
  const wsDir = join(await mkdtemp(join(h.stateDir, "sched-")), "ws");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": base, "app/main.tf": tfWorkspace(wsDir, "v1", extra), "README.md": "x\n" },
  });
  h.sim.setPermission(repo, "alice", "write");
  await h.sim.pushBranch(repo, { branch: "grow", files: { ".sluice.yaml": head, "app/main.tf": tfWorkspace(wsDir, "v2", extra) } });
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

/** The app's own account of scheduled destroys, for a failing test's reader. */
export function scheduledDestroyLog(h: Harness): string {
  return h.app
    .output()
    .split("\n")
    .filter((l) => /scheduled|destroy/i.test(l))
    .slice(-30)
    .join("\n");
}
