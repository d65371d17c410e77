import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";
import { statefulProject, stateResources, tfProject } from "../support/harness.js";
import { postgresAvailability, startPostgres, type TestPostgres } from "../support/postgres.js";
import { type AppProcess, removeDir, startApp } from "../support/start-app.js";
import { simulatorAppEnv } from "../simulator/app-env.js";

// Issue #17: two real Sluice processes (own data dirs) on one PostgreSQL and one simulated GitHub.

const available = postgresAvailability();
// In CI a missing PostgreSQL is a failure, not a skip (see .ci/run).
const suite = available.ok || process.env.CI ? describe : describe.skip;
const run = promisify(execFile);

let db: TestPostgres;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let sql: pg.Client;
let stateDir: string;
let env: Record<string, string>;
/** Every replica started; `live` are those not killed. */
const started: AppProcess[] = [];
const live = new Set<AppProcess>();
const SERVER_CONFIG = "apply_requirements: []\n";

beforeAll(async () => {
  if (!available.ok && !process.env.CI) return;
  db = await startPostgres();
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  sim = await startSimulator({ webhookSecret: secret });
  stateDir = await mkdtemp(join(tmpdir(), "sluice-state-"));
  env = {
    ...simulatorAppEnv(sim, secret),
    DATABASE_URL: db.url,
    SLUICE_SANDBOX_PATHS: stateDir,
    // Dead replicas are looked for every 5 s by default; faster here, so the file stays short.
    SLUICE_RECOVERY_INTERVAL_MS: "250",
  };
  await Promise.all([replica(), replica()]);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 120_000);

afterAll(async () => {
  for (const app of started) await app.kill("SIGKILL");
  await sql?.end();
  await sim?.stop();
  await db?.stop();
  for (const app of started) await removeDir(app.dataDir);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

async function replica(): Promise<AppProcess> {
  const app = await startApp({ env, serverConfig: SERVER_CONFIG });
  started.push(app);
  live.add(app);
  sim.setWebhookTargets([...live].map((a) => a.url));
  return app;
}

async function kill9(app: AppProcess): Promise<void> {
  live.delete(app);
  sim.setWebhookTargets([...live].map((a) => a.url));
  await app.kill("SIGKILL");
}

/** The replica that holds (or last held) a job: its owner id is `<host>:<pid>:<random>`. */
async function ownerOf(jobId: number): Promise<AppProcess | undefined> {
  const { rows } = await sql.query<{ owner: string | null }>("SELECT owner FROM jobs WHERE id = $1", [jobId]);
  const pid = Number(rows[0]?.owner?.split(":").at(-2));
  return started.find((a) => a.pid === pid);
}

/**
 * The jobs a PR's events and commands made, in order. A replica's start queues a `heal` job for each
 * PR holding a lock (the reconcile with GitHub), and any replica may run it: not the PR's own.
 */
async function jobsOf(repo: SimRepo, pr: number) {
  const { rows } = await sql.query<{ id: number; kind: string; status: string; attempts: number; owner: string | null }>(
    `SELECT id, spec->>'kind' AS kind, status, attempts, owner FROM jobs
     WHERE target->'repo'->>'name' = $1 AND (target->>'pr')::int = $2 AND spec->>'kind' <> 'heal' ORDER BY id`,
    [repo.name, pr],
  );
  return rows;
}

/** The positive sign that nothing more will happen: no job queued or running, on any replica. */
async function untilAllIdle(timeoutMs = 90_000): Promise<void> {
  await sim.waitFor(async () => (await sql.query("SELECT 1 FROM jobs WHERE status IN ('queued', 'running') LIMIT 1")).rowCount === 0, {
    timeoutMs,
    message: "jobs still queued or running",
  });
}

const bot = (repo: SimRepo, pr: number) => sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(repo: SimRepo, sha: string, name: string) {
  await sim.waitFor(() => sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name}`,
    timeoutMs: 60_000,
  });
  return sim.checkRuns(repo, sha).find((c) => c.name === name && c.status === "completed");
}

async function repoWith(name: string, files: Record<string, string>): Promise<SimRepo> {
  for (const u of ["alice", "bob"]) {
    sim.addUser(u);
    sim.setPermission(`acme/${name}`, u, "write");
  }
  return sim.createRepo({ owner: "acme", name, files });
}

/**
 * A named pipe the tool reads (plan: `file()`; apply: a provisioner's `cat`): opening its other
 * end returns once the tool has it open, which is the positive sign that the tool is running, and
 * the tool waits there for as long as the test holds it.
 */
async function gate(name: string) {
  const path = join(stateDir, name);
  await run("mkfifo", [path]);
  let entered = false;
  const writer = open(path, constants.O_WRONLY).then((fd) => {
    entered = true;
    return fd;
  });
  return {
    path,
    entered: writer,
    /** From now on the path is a plain file: later runs read it at once; the one inside still waits. */
    async openFor(content: string): Promise<void> {
      await rm(path);
      await writeFile(path, content);
    },
    /** Lets go of the pipe (a writer still waiting for a reader would hold a libuv thread: give it one). */
    async release(): Promise<void> {
      if (!entered) await (await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined))?.close();
      await (await writer.catch(() => undefined))?.close();
    },
  };
}

suite(`two Sluice processes on one PostgreSQL${available.ok ? "" : `: ${available.reason}`}`, () => {
  it("50 concurrent /plan and /apply spread over both replicas: every command answered once, exactly one apply per project", async () => {
    const n = 5;
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`p${i}/main.tf`] = statefulProject(`p${i}`, join(stateDir, `burst-p${i}.tfstate`), 0);
    const repo = await repoWith("burst", files);
    const prs: Awaited<ReturnType<typeof sim.openPullRequest>>[] = [];
    for (let i = 0; i < n; i++) {
      await sim.pushBranch(repo, {
        branch: `b${i}`,
        from: "main",
        files: { [`p${i}/main.tf`]: statefulProject(`p${i}`, join(stateDir, `burst-p${i}.tfstate`), 1) },
      });
      prs.push(await sim.openPullRequest(repo, { head: `b${i}`, author: "alice" }));
    }
    for (const pr of prs) await completed(repo, pr.headSha, "sluice/plan");

    const burst = (body: string) =>
      Promise.all(prs.flatMap((pr) => Array.from({ length: n }, () => sim.comment(repo, pr.number, { user: "bob", body }))));
    for (const r of await burst("/plan")) expect(r.delivery.status).toBe(202);
    await untilAllIdle();
    for (const r of await burst("/apply")) expect(r.delivery.status).toBe(202);
    await untilAllIdle();

    // Both replicas received deliveries and both ran jobs.
    const targets = new Set(sim.deliveries.filter((d) => d.event === "issue_comment").map((d) => d.target));
    expect(targets.size).toBe(2);
    const owners = await sql.query<{ n: number }>(
      "SELECT count(DISTINCT owner)::int AS n FROM jobs WHERE target->'repo'->>'name' = 'burst' AND status = 'done'",
    );
    expect(owners.rows[0]?.n).toBe(2);
    // Exactly one apply per project, never two, across both processes.
    const applies = await sql.query<{ project: string; n: number; ok: number }>(
      `SELECT project, count(*)::int AS n, count(*) FILTER (WHERE status = 'succeeded')::int AS ok
       FROM applies WHERE repo = 'acme/burst' GROUP BY project ORDER BY project`,
    );
    expect(applies.rows).toEqual(Array.from({ length: n }, (_, i) => ({ project: `p${i}`, n: 1, ok: 1 })));
    for (let i = 0; i < n; i++) expect(await stateResources(join(stateDir, `burst-p${i}.tfstate`))).toEqual([`terraform_data.p${i}_0`]);
    for (const pr of prs) {
      const jobs = await jobsOf(repo, pr.number);
      expect(jobs.filter((j) => j.status !== "done")).toEqual([]);
      // One answer per job, never posted twice: each comment's marker names its job and part.
      const markers = bot(repo, pr.number).map((c) => c.body.split("\n", 1)[0]);
      expect(new Set(markers).size).toBe(markers.length);
      expect(markers.length).toBe(jobs.length);
    }
  }, 240_000);

  it("kill -9 of the replica mid-plan: the other one finishes the PR's plan, in the same comment and check", async () => {
    const planGate = await gate("plan-gate");
    const gated = `locals {\n  gate = file("${planGate.path}")\n}\n\nresource "terraform_data" "net_gate" {\n  input = local.gate\n}\n`;
    const repo = await repoWith("midplan", { "net/main.tf": tfProject("net") });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 1, gated) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });

    try {
      await planGate.entered; // terraform is planning
      const [job] = await jobsOf(repo, pr.number);
      expect(job?.status).toBe("running");
      const a = await ownerOf(job?.id as number);
      if (!a) throw new Error("no replica owns the running plan");
      await planGate.openFor("open");
      await kill9(a);
    } finally {
      await planGate.release();
    }

    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check?.conclusion).toBe("success");
    await untilAllIdle();
    const [job] = await jobsOf(repo, pr.number);
    expect(job).toMatchObject({ status: "done", attempts: 2 });
    expect(await ownerOf(job?.id as number)).toBe([...live][0]);
    // The same comment, edited to the result; one check run.
    const comments = bot(repo, pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("terraform_data.net_gate");
    expect(sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan")).toHaveLength(1);
  }, 120_000);

  it("kill -9 of the replica mid-apply: another reports it interrupted, keeps the lock, and never applies again", async () => {
    // One replica plans and applies; a second one starts while the apply runs, and survives it.
    expect(live.size).toBe(1);
    const [s] = [...live] as [AppProcess];
    const applyGate = await gate("apply-gate");
    const state = join(stateDir, "midapply.tfstate");
    const slow = `\nresource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "cat ${applyGate.path}"\n  }\n}\n`;
    const repo = await repoWith("midapply", { "net/main.tf": statefulProject("net", state, 0) });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1, slow) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");

    try {
      await sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
      await applyGate.entered; // terraform is applying
      const r = await replica();
      await kill9(s);
      expect([...live]).toEqual([r]);
    } finally {
      await applyGate.release();
    }

    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check?.conclusion).toBe("failure");
    const reply = bot(repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("Interrupted");
    expect(reply).toContain("lock is kept");
    await untilAllIdle();
    const applies = await sql.query("SELECT status FROM applies WHERE repo = 'acme/midapply'");
    expect(applies.rows).toEqual([{ status: "interrupted" }]);
    const jobs = await jobsOf(repo, pr.number);
    expect(jobs.map((j) => [j.kind, j.status])).toEqual([
      ["plan", "done"],
      ["apply", "interrupted"],
    ]);
    const locks = await sql.query("SELECT pr FROM locks WHERE repo = 'acme/midapply'");
    expect(locks.rows).toEqual([{ pr: pr.number }]);
    expect(bot(repo, pr.number)).toHaveLength(2);
    expect(sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/apply")).toHaveLength(1);
  }, 120_000);

  it("kill -9 after an apply, before its result reached GitHub: another replica posts that result, once", async () => {
    expect(live.size).toBe(1);
    const [r] = [...live] as [AppProcess];
    const state = join(stateDir, "unposted.tfstate");
    const repo = await repoWith("unposted", { "net/main.tf": statefulProject("net", state, 0) });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");

    // The apply's comment is edited twice: to "running" (passes), then to the result (held, then lost).
    const comments = /^\/repos\/acme\/unposted\/issues\/comments\/\d+$/;
    let release = () => {};
    let held = () => {};
    const heldNow = new Promise<void>((res) => {
      held = res;
    });
    sim.failNext({ method: "PATCH", pathPattern: comments, delayMs: 1 });
    sim.failNext({
      method: "PATCH",
      pathPattern: comments,
      status: 502,
      holdUntil: new Promise<void>((res) => {
        release = res;
      }),
      onHeld: () => held(),
    });
    await sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await heldNow;
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
    const t = await replica();
    await kill9(r);
    release();

    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check?.conclusion).toBe("success");
    await untilAllIdle();
    const [, applyComment] = bot(repo, pr.number);
    expect(applyComment?.body).toContain("terraform_data.net_0");
    expect(applyComment?.body).not.toContain("Interrupted");
    expect(bot(repo, pr.number)).toHaveLength(2);
    const applies = await sql.query("SELECT status FROM applies WHERE repo = 'acme/unposted'");
    expect(applies.rows).toEqual([{ status: "succeeded" }]);
    const jobs = await jobsOf(repo, pr.number);
    expect(jobs.map((j) => [j.kind, j.status, j.attempts])).toEqual([
      ["plan", "done", 1],
      ["apply", "done", 1],
    ]);
    const posted = await sql.query("SELECT status FROM job_results WHERE job_id = $1", [jobs[1]?.id]);
    expect(posted.rows).toEqual([{ status: "posted" }]);
    expect(t.output()).toContain("posted the result a stopped process had not posted");
  }, 120_000);

  it("plan on one replica, apply on another: the plan comes from the store and applies", async () => {
    expect(live.size).toBe(1);
    const [a] = [...live] as [AppProcess];
    const state = join(stateDir, "across.tfstate");
    const repo = await repoWith("across", { "net/main.tf": statefulProject("net", state, 0) });
    await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");
    await untilAllIdle();
    // A second replica, then the first one leaves: only B can take the /apply.
    const b = await replica();
    live.delete(a);
    sim.setWebhookTargets([b.url]);
    await a.kill("SIGTERM");

    await sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check?.conclusion).toBe("success");
    await untilAllIdle();
    const [plan, apply] = await jobsOf(repo, pr.number);
    expect(await ownerOf(plan?.id as number)).toBe(a);
    expect(await ownerOf(apply?.id as number)).toBe(b);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 120_000);
});
