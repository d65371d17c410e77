import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";

// The simulator parts the trust-hole tests rely on: git wants, the comment log, held requests.

function git(args: string[], cwd?: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "git",
      args,
      {
        cwd,
        env: { PATH: process.env.PATH, HOME: tmpdir(), GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe("GitHub simulator: what was fetched, comment order, held requests", () => {
  let sim: Simulator;
  let repo: SimRepo;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "sim-trust-"));
    sim = await startSimulator({ webhookSecret: "s" });
    repo = await sim.createRepo({ owner: "acme", name: "infra", files: { "a.txt": "a\n" } });
    await sim.pushBranch(repo, { branch: "change", files: { "a.txt": "b\n" } });
  });
  afterAll(async () => {
    await sim?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("records the object ids each fetch asked for, and nothing for a fetch that never happened", async () => {
    const pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
    const url = repo.cloneUrl.replace("http://", `http://x-access-token:${sim.mintToken()}@`);
    const dest = path.join(work, "clone");
    expect((await git(["init", "--quiet", dest])).code).toBe(0);
    expect(sim.gitWants).toEqual([]);
    expect((await git(["fetch", "--quiet", url, "refs/heads/main"], dest)).code).toBe(0);
    expect(sim.gitWants.flatMap((w) => w.wants)).not.toContain(pr.headSha);
    expect((await git(["fetch", "--quiet", url, `refs/pull/${pr.number}/head`], dest)).code).toBe(0);
    expect(sim.gitWants.filter((w) => w.repo === "acme/infra").flatMap((w) => w.wants)).toContain(pr.headSha);
  });

  it("logs comment creations and edits in the order served, the app's and the test's", async () => {
    const pr = await sim.openPullRequest(repo, { head: "change", author: "alice", title: "again" });
    const before = sim.commentLog.length;
    const { commentId } = await sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
    const token = sim.mintToken();
    const api = `${sim.url}/api/v3/repos/acme/infra`;
    const headers = { authorization: `token ${token}`, "content-type": "application/json" };
    const created = (await (
      await fetch(`${api}/issues/${pr.number}/comments`, { method: "POST", headers, body: JSON.stringify({ body: "queued" }) })
    ).json()) as { id: number };
    await fetch(`${api}/issues/comments/${created.id}`, { method: "PATCH", headers, body: JSON.stringify({ body: "done" }) });
    const log = sim.commentLog.slice(before);
    expect(log.map((e) => [e.action, e.commentId, e.body])).toEqual([
      ["created", commentId, "/plan"],
      ["created", created.id, "queued"],
      ["edited", created.id, "done"],
    ]);
    expect(log.map((e) => e.seq)).toEqual([before + 1, before + 2, before + 3]);
  });

  it("holds a matching request until released, then serves it", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    sim.failNext({ method: "GET", pathPattern: /^\/repos\/acme\/infra$/, holdUntil: gate, onHeld: () => (held = true) });
    let answered = false;
    const pending = fetch(`${sim.url}/api/v3/repos/acme/infra`, { headers: { authorization: `token ${sim.mintToken()}` } }).then((r) => {
      answered = true;
      return r.status;
    });
    await sim.waitFor(() => held);
    // Another call is not held: once it is answered, the held one still is not.
    expect((await fetch(`${sim.url}/api/v3/repos/acme/infra`, { headers: { authorization: `token ${sim.mintToken()}` } })).status).toBe(
      200,
    );
    expect(answered).toBe(false);
    release();
    expect(await pending).toBe(200);
  });
});
