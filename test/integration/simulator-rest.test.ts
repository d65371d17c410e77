import { execFile } from "node:child_process";
import pino from "pino";
import { createGitHubApp } from "../../src/vcs/github/github-app.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";
import { simulatorProbot } from "../support/simulator-probot.js";

function gitOut(gitDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { env: { PATH: process.env.PATH, GIT_DIR: gitDir } }, (e, out) => (e ? reject(e) : resolve(out.trim())));
  });
}

describe("GitHub simulator: REST behaviour", () => {
  let sim: Simulator;
  let repo: SimRepo;
  let token: string;
  let headSha: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}/api/v3${path}`, {
      method,
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    // No webhook target: deliveries are recorded with status 0 and nothing else happens.
    sim = await startSimulator({ webhookSecret: "s", appSlug: "sluice" });
    token = sim.mintToken();
    const files: Record<string, string> = { "README.md": "hi\n" };
    for (let i = 0; i < 5; i++) files[`p${i}/main.tf`] = `# ${i}\n`;
    repo = await sim.createRepo({ owner: "acme", name: "infra", files });
    const changes: Record<string, string | null> = { "p0/main.tf": null, "new/main.tf": "# new\n" };
    for (let i = 1; i < 5; i++) changes[`p${i}/main.tf`] = `# ${i} changed\n`;
    await sim.pushBranch(repo, { branch: "feat", files: changes });
    ({ headSha } = await sim.openPullRequest(repo, { head: "feat", author: "bob" }));
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it("serves the pull request and its files with pagination", async () => {
    const pr = await api("GET", "/repos/acme/infra/pulls/1");
    expect(pr.json).toMatchObject({
      number: 1,
      state: "open",
      draft: false,
      merged: false,
      mergeable: true,
      mergeable_state: "clean",
      user: { login: "bob" },
      head: { sha: headSha, ref: "feat", repo: { full_name: "acme/infra" } },
      base: { ref: "main", repo: { full_name: "acme/infra" } },
      changed_files: 6,
      html_url: `${sim.url}/acme/infra/pull/1`,
    });
    const first = await api("GET", "/repos/acme/infra/pulls/1/files?per_page=4");
    expect(first.json).toHaveLength(4);
    expect(first.headers.get("link")).toContain('rel="next"');
    const second = await api("GET", "/repos/acme/infra/pulls/1/files?per_page=4&page=2");
    expect(second.json).toHaveLength(2);
    const all = [...first.json, ...second.json] as { filename: string; status: string }[];
    expect(all.find((f) => f.filename === "p0/main.tf")?.status).toBe("removed");
    expect(all.find((f) => f.filename === "new/main.tf")?.status).toBe("added");
  });

  it("validates check runs like GitHub and keeps their history", async () => {
    const bad = await api("POST", "/repos/acme/infra/check-runs", { name: "sluice/plan", head_sha: headSha, status: "completed" });
    expect(bad.status).toBe(422);
    expect((await api("POST", "/repos/acme/infra/check-runs", { name: "sluice/plan", head_sha: headSha, status: "done" })).status).toBe(
      422,
    );
    const huge = { title: "Plan", summary: "x".repeat(65_536) };
    expect((await api("POST", "/repos/acme/infra/check-runs", { name: "sluice/plan", head_sha: headSha, output: huge })).status).toBe(422);

    const created = await api("POST", "/repos/acme/infra/check-runs", { name: "sluice/plan", head_sha: headSha, status: "in_progress" });
    expect(created.status).toBe(201);
    const done = await api("PATCH", `/repos/acme/infra/check-runs/${created.json.id}`, {
      conclusion: "success",
      output: { title: "+1 ~0 -0", summary: "ok" },
    });
    expect(done.json).toMatchObject({ status: "completed", conclusion: "success", output: { title: "+1 ~0 -0" } });
    const listed = await api("GET", `/repos/acme/infra/commits/${headSha}/check-runs`);
    expect(listed.json.total_count).toBe(1);
    expect(sim.checkRuns(repo, headSha)[0]?.history).toEqual([
      { status: "in_progress", conclusion: null },
      { status: "completed", conclusion: "success" },
    ]);
  });

  it("maps collaborator roles to GitHub's permission and role_name", async () => {
    sim.setPermission(repo, "tina", "triage");
    sim.setPermission(repo, "max", "maintain");
    sim.addUser("nobody");
    const tina = await api("GET", "/repos/acme/infra/collaborators/tina/permission");
    expect(tina.json).toMatchObject({ permission: "read", role_name: "triage", user: { login: "tina" } });
    expect((await api("GET", "/repos/acme/infra/collaborators/max/permission")).json).toMatchObject({
      permission: "write",
      role_name: "maintain",
    });
    expect((await api("GET", "/repos/acme/infra/collaborators/nobody/permission")).json.permission).toBe("none");
  });

  it("serves file contents at a ref as base64 and 404s a missing path", async () => {
    const file = await api("GET", `/repos/acme/infra/contents/new/main.tf?ref=${headSha}`);
    expect(Buffer.from(file.json.content, "base64").toString("utf8")).toBe("# new\n");
    expect((await api("GET", "/repos/acme/infra/contents/new/main.tf?ref=main")).status).toBe(404);
  });

  it("edits, reacts to and deletes comments, keeping every body in history", async () => {
    const created = await api("POST", "/repos/acme/infra/issues/1/comments", { body: "queued" });
    await api("PATCH", `/repos/acme/infra/issues/comments/${created.json.id}`, { body: "running" });
    await api("PATCH", `/repos/acme/infra/issues/comments/${created.json.id}`, { body: "done" });
    expect(sim.comments(repo, 1).find((c) => c.id === created.json.id)?.history).toEqual(["queued", "running", "done"]);
    expect((await api("POST", `/repos/acme/infra/issues/comments/${created.json.id}/reactions`, { content: "eyes" })).status).toBe(201);
    expect((await api("POST", `/repos/acme/infra/issues/comments/${created.json.id}/reactions`, { content: "nope" })).status).toBe(422);
    expect(sim.reactions(created.json.id)).toEqual(["eyes"]);
    expect((await api("DELETE", `/repos/acme/infra/issues/comments/${created.json.id}`)).status).toBe(204);
    expect(sim.comments(repo, 1).some((c) => c.id === created.json.id)).toBe(false);
  });

  it("injects faults for matching calls only as many times as asked", async () => {
    sim.failNext({ method: "GET", pathPattern: /\/pulls\/1$/, status: 502, times: 2 });
    sim.failNext({ method: "GET", pathPattern: /\/repos\/acme\/infra$/, status: 403, headers: { "retry-after": "1" } });
    expect((await api("GET", "/repos/acme/infra/pulls/1")).status).toBe(502);
    expect((await api("GET", "/repos/acme/infra/pulls/1")).status).toBe(502);
    expect((await api("GET", "/repos/acme/infra/pulls/1")).status).toBe(200);
    const limited = await api("GET", "/repos/acme/infra");
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("1");
  });

  it("works for Probot's own Octokit: JWT, installation token, pagination", async () => {
    const probot = simulatorProbot(sim);
    const octokit = await probot.auth(sim.installationId);
    const { data: pr } = await octokit.rest.pulls.get({ owner: "acme", repo: "infra", pull_number: 1 });
    expect(pr.head.sha).toBe(headSha);
    const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: "acme", repo: "infra", pull_number: 1, per_page: 2 });
    expect(files).toHaveLength(6);
    expect(sim.unknownCalls).toEqual([]);
  });

  it("works for the job thread's GitHub App: JWT, one installation token shared by every job, pagination", async () => {
    const github = createGitHubApp(
      { appId: String(sim.appId), privateKey: sim.privateKeyPem, baseUrl: `${sim.url}/api/v3` },
      pino({ level: "silent" }),
    );
    const { data: app } = await github.app().rest.apps.getAuthenticated();
    expect(app?.slug).toBeTruthy();
    const tokensBefore = sim.issuedTokens.length;
    const first = await github.installation(sim.installationId);
    const { data: pr } = await first.rest.pulls.get({ owner: "acme", repo: "infra", pull_number: 1 });
    expect(pr.head.sha).toBe(headSha);
    const second = await github.installation(sim.installationId);
    const files = await second.paginate(second.rest.pulls.listFiles, { owner: "acme", repo: "infra", pull_number: 1, per_page: 2 });
    expect(files).toHaveLength(6);
    // One token for both jobs' Octokits: a token per job would cost a round trip each and GitHub's limits.
    expect(sim.issuedTokens.length - tokensBefore).toBe(1);
    expect(sim.unknownCalls).toEqual([]);
  });

  it("moves the PR head on any push to its branch and sends synchronize", async () => {
    const before = headSha;
    const pushed = await sim.pushToPullRequest(repo, 1, { "new/main.tf": "# newer\n" });
    expect(pushed.headSha).not.toBe(before);
    expect(await gitOut(sim.repoDir(repo), ["rev-parse", "refs/pull/1/head"])).toBe(pushed.headSha);
    expect((await api("GET", "/repos/acme/infra/pulls/1")).json.head.sha).toBe(pushed.headSha);
    // A plain branch push counts too, as on GitHub.
    const again = await sim.pushBranch(repo, { branch: "feat", files: { "new/main.tf": "# newest\n" } });
    expect(sim.pullRequest(repo, 1).headSha).toBe(again);
    const syncs = sim.deliveries.filter((d) => d.action === "synchronize");
    expect(syncs).toHaveLength(2);
    headSha = again;
  });

  it("merges with a real merge commit and closes the PR as merged", async () => {
    const { sha } = await sim.mergePullRequest(repo, 1);
    expect(await gitOut(sim.repoDir(repo), ["rev-parse", "refs/heads/main"])).toBe(sha);
    const parents = (await gitOut(sim.repoDir(repo), ["rev-list", "--parents", "-n", "1", sha])).split(" ");
    expect(parents.slice(1)).toContain(headSha);
    expect(parents).toHaveLength(3);
    const pr = await api("GET", "/repos/acme/infra/pulls/1");
    expect(pr.json).toMatchObject({ state: "closed", merged: true, merge_commit_sha: sha });
    const closed = sim.deliveries.at(-1);
    expect(closed).toMatchObject({ event: "pull_request", action: "closed", status: 0 });
  });
});
