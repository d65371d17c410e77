import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Harness, tfProject } from "../support/harness.js";

// Shared by the trust-holes-*.test.ts files (issue #10 and #13's workspace bug): small waits on
// positive signs, and read-backs of what really happened (state files, the store's plan rows).

export type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

export const bot = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

/** A bot comment that will not change any more: a finished plan/apply, or a one-shot reply. */
export const FINAL =
  /·\s*(✅|❌|⛔|ℹ️)|Released|holds no locks|No lock|Nothing to apply|Not applied|already in progress|superseded by a newer/i;

export async function completed(h: Harness, repo: Repo, sha: string, name: string, count = 1) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count}) on ${sha.slice(0, 7)}`,
    timeoutMs: 120_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as (typeof done)[number];
}

/**
 * Comments as `user` and returns Sluice's answer: the next bot comment once it is final, or once
 * it contains `expect` (a refusal may be worded as a plain reply without a state label).
 */
/** A PR of acme/NAME planned (its `net` project) and approved by bob, in a repository that applies on merge. */
export async function mergeReadyPr(h: Harness, name: string) {
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": "version: 1\napply_on: merge\n", "net/main.tf": tfProject("net", 1) },
  });
  h.sim.setPermission(repo, "alice", "write");
  h.sim.setPermission(repo, "bob", "write");
  await h.sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": tfProject("net", 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  return { repo, pr };
}

export async function say(h: Harness, repo: Repo, pr: number, user: string, body: string, expect?: string): Promise<string> {
  const before = bot(h, repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(
    () => {
      const reply = bot(h, repo, pr)[before]?.body ?? "";
      return FINAL.test(reply) || (expect !== undefined && reply.includes(expect));
    },
    {
      message: `no finished reply to ${body}: ${JSON.stringify(
        bot(h, repo, pr)
          .slice(before)
          .map((c) => c.body.slice(0, 400)),
      )}`,
      timeoutMs: 120_000,
    },
  );
  return bot(h, repo, pr)[before]?.body ?? "";
}

/**
 * GitHub's review timestamps have whole seconds. A test that needs an approval to be *later* than
 * a plan (or earlier) waits for the wall clock to enter the next second first; this is not a wait
 * for "nothing happened", it only makes two recorded instants distinct.
 */
export async function nextSecond(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === now) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 20));
}

export interface PlanRow {
  id: number;
  project: string;
  dir: string;
  workspace: string;
  status: string;
  plan_path: string;
  plan_hash: string;
  head_sha: string;
}

/** Rows of the running app's embedded SQLite store, read-only. */
export function storeRows<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The store's plan rows of one PR (embedded SQLite, read-only beside the running app). */
export function planRows(dataDir: string, repo: Repo, pr: number): PlanRow[] {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        "SELECT id, project, dir, workspace, status, plan_path, plan_hash, head_sha FROM plans WHERE repo = ? AND pr = ? ORDER BY id",
      )
      .all(repo.fullName, pr) as PlanRow[];
  } finally {
    db.close();
  }
}

/** Jobs not finished yet, across the app. */
export function unfinishedJobs(dataDir: string): number {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** `address -> input` of every terraform_data instance in a local state file ({} when none). */
export async function stateInputs(stateFile: string): Promise<Record<string, unknown>> {
  let state: { resources?: { type: string; name: string; instances?: { index_key?: unknown; attributes?: { input?: unknown } }[] }[] };
  try {
    state = JSON.parse(await readFile(stateFile, "utf8"));
  } catch {
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const r of state.resources ?? []) {
    for (const i of r.instances ?? []) {
      const key = i.index_key === undefined ? "" : `[${JSON.stringify(i.index_key)}]`;
      const input = i.attributes?.input;
      // terraform_data keeps `input` as a dynamic value: { type, value }.
      out[`${r.type}.${r.name}${key}`] =
        input && typeof input === "object" && "value" in input ? (input as { value: unknown }).value : input;
    }
  }
  return out;
}

const run = promisify(execFile);

/** Applies `mainTf` with the real terraform CLI in a scratch dir: state that exists before a test acts. */
export async function seedState(mainTf: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-seed-"));
  try {
    await writeFile(join(dir, "main.tf"), mainTf);
    const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc") };
    await writeFile(join(dir, "none.tfrc"), "");
    await run("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env });
    await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
