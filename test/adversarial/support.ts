import Database from "better-sqlite3";
import { createHmac, randomBytes } from "node:crypto";
import { request } from "node:http";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Harness } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

export type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

/** Rows in the tables a webhook can write to; read-only, beside the running app (WAL mode). */
export function storeCounts(dataDir: string): { deliveries: number; jobs: number; plans: number } {
  const db = new Database(join(dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { deliveries: count("deliveries"), jobs: count("jobs"), plans: count("plans") };
  } finally {
    db.close();
  }
}

/** Every observable effect the app can have: store rows, GitHub calls, clones, tokens. */
export function effects(h: Harness) {
  return {
    ...storeCounts(h.app.dataDir),
    calls: h.sim.calls.length,
    gitFetches: h.sim.gitFetches.length,
    tokens: h.sim.issuedTokens.length,
  };
}

/** Waits until the app has acted on everything it was sent (see untilIdle): before "nothing happened" checks. */
export const settle = (h: Harness) => untilIdle(h.app.dataDir);

export const botComments = (h: Harness, repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

export async function completedCheck(h: Harness, repo: Repo, sha: string, name: string, count = 1) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count}) on ${sha.slice(0, 7)}`,
    timeoutMs: 60_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as (typeof done)[number];
}

/** Waits for the next bot comment after `before` to reach a final state, and returns its body. */
export async function nextReply(h: Harness, repo: Repo, pr: number, before: number): Promise<string> {
  const final = /·\s*(✅|❌|⛔|ℹ️)|⚠️|Released|holds no locks|No lock/;
  await h.sim.waitFor(() => final.test(botComments(h, repo, pr)[before]?.body ?? ""), {
    message: `no final reply #${before + 1}: ${JSON.stringify(botComments(h, repo, pr).map((c) => c.body.slice(0, 300)))}`,
    timeoutMs: 60_000,
  });
  return botComments(h, repo, pr)[before]?.body ?? "";
}

export function sign(secret: string, body: Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * A POST that does not behave like a client: chunks arrive as given (no content-length unless set),
 * and a server that answers before reading everything is fine (write errors are ignored).
 */
export function postRaw(url: string, headers: Record<string, string>, chunks: Iterable<Buffer>): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: { status: number; body: string }) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = request(url, { method: "POST", headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }));
      res.on("error", () => done({ status: res.statusCode ?? 0, body: "" }));
    });
    req.on("error", (e) => done({ status: 0, body: e.message }));
    void (async () => {
      for (const chunk of chunks) {
        if (settled || req.destroyed) return;
        if (req.write(chunk)) continue;
        // Wait for drain or close, and drop the other listener: a listener left per chunk piles up.
        await new Promise<void>((r) => {
          const go = () => {
            req.off("drain", go).off("close", go);
            r();
          };
          req.once("drain", go).once("close", go);
        });
      }
      req.end();
    })();
  });
}

/**
 * A path a test can prove was never created. Under a harness's `stateDir` (a sandbox path) a tool
 * run could create it too, so its absence also means nothing ran inside the sandbox.
 */
export function canary(label: string, dir = tmpdir()): string {
  return join(dir, `sluice-canary-${label}-${randomBytes(6).toString("hex")}`);
}

/** Processes whose command line contains `marker`, from /proc. */
export function processesWith(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(marker) && Number(entry) !== process.pid) found.push({ pid: Number(entry), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export const exists = (path: string) => existsSync(path);
