import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOutside } from "../support/apply-outside.js";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";
import { freePort } from "../support/start-app.js";
import { previewComment, previewDeployments, stateInputs, storeRows, waitPreviewComment } from "../support/previews.js";
import { signIn } from "../support/console-sign-in.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;

// The sweep looks every half second here, so a preview whose TTL passed goes without a wait of minutes.
beforeAll(async () => {
  const port = await freePort();
  h = await startHarness({
    serverConfig: "allowed_overrides: [preview]\nmax_previews: 2\n",
    port,
    env: (sim) => ({
      SLUICE_PREVIEW_SWEEP_MS: "500",
      GITHUB_CLIENT_ID: sim.oauthClientId,
      GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
      SLUICE_SESSION_SECRET: "a-session-key-for-the-previews-test-0123456789",
      SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    }),
  });
  // The app's first start (and the sandbox's) is slow on a loaded machine.
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

const TRUSTED = `version: 1
projects:
  - name: app
    dir: app
    preview:
      workspace: "pr-{number}"
      vars: { flavor: preview }
      url_output: url
      ttl: 72h
`;

/** A project whose default workspace is production (`path`) and whose other workspaces live under `wsDir`. */
function appTf(prodState: string, wsDir: string, version: string, extra = ""): string {
  return `terraform {
  backend "local" {
    path          = "${prodState}"
    workspace_dir = "${wsDir}"
  }
}
variable "flavor" {
  type    = string
  default = "prod"
}
resource "terraform_data" "web" {
  input = "\${terraform.workspace}-\${var.flavor}-${version}"
}
output "url" {
  value = "https://\${terraform.workspace}.preview.example.test"
}
${extra}`;
}

/** A repo whose production state was applied by hand before Sluice: what no preview may touch. */
async function newRepo(opts: { config?: string; extra?: string } = {}) {
  n++;
  const dir = await mkdtemp(join(h.stateDir, `prev-${n}-`));
  const prodState = join(dir, "prod.tfstate");
  const wsDir = join(dir, "ws");
  const tf = appTf(prodState, wsDir, "v1", opts.extra);
  await applyOutside(dir, tf);
  const repo = await h.sim.createRepo({
    owner: "acme",
    name: `previews-${n}`,
    files: { ".sluice.yaml": opts.config ?? TRUSTED, "app/main.tf": tf, "README.md": "app\n" },
  });
  for (const [u, role] of [
    ["alice", "write"],
    ["mallory", "read"],
  ] as const)
    h.sim.setPermission(repo, u, role);
  return {
    repo,
    prodState,
    wsDir,
    prodBytes: await readFile(prodState, "utf8"),
    tf: (v: string) => appTf(prodState, wsDir, v, opts.extra),
  };
}

async function openPr(repo: Repo, branch: string, files: Record<string, string>, opts: { author?: string; headRepo?: string } = {}) {
  await h.sim.pushBranch(repo, { branch, files });
  return h.sim.openPullRequest(repo, {
    head: branch,
    author: opts.author ?? "alice",
    title: branch,
    ...(opts.headRepo ? { headRepo: opts.headRepo } : {}),
  });
}

/** A PR of `repo` whose first preview (app at v2) is live, and that preview's state file. */
async function livePreview(r: Awaited<ReturnType<typeof newRepo>>, branch: string) {
  const pr = await openPr(r.repo, branch, { "app/main.tf": r.tf("v2") });
  await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
  const wsState = join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate");
  expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-preview-v2`]);
  await untilIdle(h.app.dataDir);
  return { pr, wsState };
}

/** Closes the PR: its preview is destroyed, production untouched. */
async function closeDestroysPreview(r: Awaited<ReturnType<typeof newRepo>>, pr: number, wsState: string) {
  await h.sim.closePullRequest(r.repo, pr, { user: "alice" });
  await waitPreviewComment(h, r.repo, pr, /🗑️ destroyed|destroy failed/, "no destroy at close");
  expect(previewComment(h, r.repo, pr)).toContain("🗑️ destroyed");
  expect(await stateResources(wsState)).toEqual([]);
  expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
}

describe("previews", { timeout: 300_000 }, () => {
  it("open → applied in its own workspace with the URL on the deployment; push → updated; close → destroyed and inactive; production untouched", async () => {
    const r = await newRepo();
    const pr = await openPr(r.repo, "feature", { "app/main.tf": r.tf("v2") });
    const body = await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
    const wsState = join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate");
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-preview-v2`]);
    expect(body).toContain(`https://pr-${pr.number}.preview.example.test`);
    const [deployment] = previewDeployments(h, r.repo, "app", pr.number);
    expect(deployment?.transient).toBe(true);
    expect(deployment?.statuses.at(-1)).toMatchObject({ state: "success", environmentUrl: `https://pr-${pr.number}.preview.example.test` });

    const push = await h.sim.pushToPullRequest(r.repo, pr.number, { "app/main.tf": r.tf("v3") });
    await h.sim.waitFor(async () => (await stateInputs(wsState)).includes(`pr-${pr.number}-preview-v3`), {
      message: "the push did not update the preview",
      timeoutMs: 120_000,
    });
    await waitPreviewComment(h, r.repo, pr.number, new RegExp(`applied ${push.headSha.slice(0, 7)}`), "the comment does not show the push");
    await untilIdle(h.app.dataDir);
    // The PR's own plan holds production's lock (its plan of the default workspace); the preview took none.
    const locks = storeRows<{ workspace: string; pr: number }>(h, "SELECT workspace, pr FROM locks WHERE repo = ?", r.repo.fullName);
    expect(locks).toEqual([{ workspace: "default", pr: pr.number }]);

    await h.sim.closePullRequest(r.repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, r.repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed at close");
    expect(await stateResources(wsState)).toEqual([]);
    expect(previewDeployments(h, r.repo, "app", pr.number).every((d) => d.statuses.at(-1)?.state === "inactive")).toBe(true);
    // Production: the state as applied before Sluice, byte for byte, and no lock left.
    expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
    await untilIdle(h.app.dataDir);
    expect(storeRows(h, "SELECT * FROM locks WHERE repo = ?", r.repo.fullName)).toEqual([]);
    // Every apply and destroy was a gate decision on a preview road.
    const roads = storeRows<{ detail: string }>(
      h,
      "SELECT detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'",
      r.repo.fullName,
    ).map((a) => a.detail);
    expect(roads.filter((d) => d.startsWith("road: preview-apply")).length).toBeGreaterThanOrEqual(2);
    expect(roads.filter((d) => d.startsWith("road: preview-destroy"))).toHaveLength(1);
  });

  it("a preview whose TTL passed with no push is destroyed by the sweep", async () => {
    const r = await newRepo();
    const pr = await openPr(r.repo, "ttl", { "app/main.tf": r.tf("v2") });
    await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);
    // The clock the sweep reads is the app's: the preview's last push is moved 73 hours back instead.
    const db = new Database(join(h.app.dataDir, "sluice.db"), { fileMustExist: true });
    try {
      const row = db.prepare("SELECT record FROM previews WHERE repo = ? AND pr = ?").get(r.repo.fullName, pr.number) as { record: string };
      const record = JSON.parse(row.record) as { lastPushAt: number; createdAt: number };
      record.lastPushAt -= 73 * 3600_000;
      record.createdAt -= 73 * 3600_000;
      db.prepare("UPDATE previews SET record = ? WHERE repo = ? AND pr = ?").run(JSON.stringify(record), r.repo.fullName, pr.number);
    } finally {
      db.close();
    }
    await waitPreviewComment(h, r.repo, pr.number, /🗑️ destroyed \|.*ttl.{0,2} passed with no push/, "the TTL did not destroy the preview");
    expect(await stateResources(join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate"))).toEqual([]);
    expect(previewDeployments(h, r.repo, "app", pr.number).at(-1)?.statuses.at(-1)?.state).toBe("inactive");
    expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
  });

  it("a crash during the destroy: the next start finishes it", async () => {
    const dir = await mkdtemp(join(h.stateDir, "crash-"));
    const marker = join(dir, "destroy-started");
    // The first destroy hangs in its provisioner (the app is killed there); the next one passes.
    const extra = `resource "terraform_data" "slow" {
  provisioner "local-exec" {
    when    = destroy
    command = "if [ -e ${marker} ]; then exit 0; fi; touch ${marker}; sleep 120"
  }
}
`;
    const r = await newRepo({ extra });
    const pr = await openPr(r.repo, "crash", { "app/main.tf": r.tf("v2") });
    await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);
    await h.sim.closePullRequest(r.repo, pr.number, { user: "alice" });
    await h.sim.waitFor(
      () =>
        readFile(marker).then(
          () => true,
          () => false,
        ),
      { message: "the destroy never started", timeoutMs: 120_000 },
    );
    await h.restart();
    await waitPreviewComment(h, r.repo, pr.number, /🗑️ destroyed/, "the restart did not finish the destroy");
    expect(await stateResources(join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate"))).toEqual([]);
    expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
  });

  it("a fork gets no preview; a PR past max_previews is told; a reader's /preview is refused", async () => {
    const r = await newRepo();
    const fork = await openPr(r.repo, "forked", { "app/main.tf": r.tf("v2") }, { headRepo: "mallory/previews-fork" });
    await waitPreviewComment(h, r.repo, fork.number, /comes from a fork/, "the fork was not told");
    const a = await openPr(r.repo, "a", { "README.md": "a\n" });
    const b = await openPr(r.repo, "b", { "README.md": "b\n" });
    await waitPreviewComment(h, r.repo, a.number, /✅ live/, "no preview of a");
    await waitPreviewComment(h, r.repo, b.number, /✅ live/, "no preview of b");
    const c = await openPr(r.repo, "c", { "README.md": "c\n" });
    const told = await waitPreviewComment(h, r.repo, c.number, /max_previews/, "the cap was not said");
    expect(told).toContain("2 live previews");
    await untilIdle(h.app.dataDir);
    expect(previewDeployments(h, r.repo, "app", fork.number)).toEqual([]);
    expect(previewDeployments(h, r.repo, "app", c.number)).toEqual([]);
    expect(await stateResources(join(r.wsDir, `pr-${fork.number}`, "terraform.tfstate"))).toEqual([]);

    await h.sim.comment(r.repo, a.number, { user: "mallory", body: "/preview destroy" });
    await h.sim.waitFor(() => h.sim.comments(r.repo, a.number).some((c) => c.body.includes("⛔ refused")), { message: "no refusal" });
    await untilIdle(h.app.dataDir);
    expect(previewComment(h, r.repo, a.number)).toContain("✅ live");
    // A writer's destroy frees a place: the next push of c gets its preview.
    await h.sim.comment(r.repo, a.number, { user: "alice", body: "/preview destroy" });
    await waitPreviewComment(h, r.repo, a.number, /🗑️ destroyed/, "/preview destroy did nothing");
    await h.sim.pushToPullRequest(r.repo, c.number, { "README.md": "c2\n" });
    await waitPreviewComment(h, r.repo, c.number, /✅ live/, "no preview of c after a place was freed");
  });

  it("a read-only author's PR gets no preview, even when a writer asks; nothing is deployed or locked (control: a writer's PR)", async () => {
    const r = await newRepo();
    const theirs = await openPr(r.repo, "by-reader", { "app/main.tf": r.tf("v2") }, { author: "mallory" });
    await waitPreviewComment(h, r.repo, theirs.number, /No preview/, "the reader's PR was not told");
    // A writer asking for it changes nothing: the code is the author's.
    await h.sim.comment(r.repo, theirs.number, { user: "alice", body: "/preview recreate" });
    await waitPreviewComment(h, r.repo, theirs.number, /the pull request's author/, "the author's permission was not said");
    await untilIdle(h.app.dataDir);
    expect(previewDeployments(h, r.repo, "app", theirs.number)).toEqual([]);
    expect(await stateResources(join(r.wsDir, `pr-${theirs.number}`, "terraform.tfstate"))).toEqual([]);
    const mine = await openPr(r.repo, "by-writer", { "app/main.tf": r.tf("v3") });
    await waitPreviewComment(h, r.repo, mine.number, /✅ live/, "no preview of the writer's PR");
    expect(previewDeployments(h, r.repo, "app", mine.number).length).toBeGreaterThan(0);
  });

  it("the console lists live previews with age, TTL, owner PR and last result; a writer destroys one there, a reader cannot", async () => {
    const r = await newRepo();
    const pr = await openPr(r.repo, "console", { "app/main.tf": r.tf("v2") });
    await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
    await untilIdle(h.app.dataDir);
    const reader = await signIn(h.app.url, "mallory");
    const page = await (await fetch(`${h.app.url}/previews`, { headers: { cookie: reader } })).text();
    expect(page).toContain(r.repo.fullName);
    expect(page).toContain(`pr-${pr.number}`);
    expect(page).toContain("<td>3d</td>");
    expect(page).toContain("applied ");
    expect(page).not.toContain('<button type="submit">Destroy</button>');
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const destroy = (cookie: string, csrf: string) =>
      fetch(`${h.app.url}/previews/destroy`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf, repo: r.repo.fullName, pr: String(pr.number), project: "app" }).toString(),
      });
    expect((await destroy(reader, csrfOf(page))).status).toBe(403);
    const writer = await signIn(h.app.url, "alice");
    const writerPage = await (await fetch(`${h.app.url}/previews`, { headers: { cookie: writer } })).text();
    expect(writerPage).toContain("Destroy</button>");
    expect((await destroy(writer, "forged")).status).not.toBe(303);
    expect((await destroy(writer, csrfOf(writerPage))).status).toBe(303);
    await waitPreviewComment(h, r.repo, pr.number, /🗑️ destroyed/, "the console's destroy did nothing");
    expect(await stateResources(join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate"))).toEqual([]);
    expect(storeRows(h, "SELECT actor FROM audit_events WHERE action = 'preview-destroy' AND repo = ?", r.repo.fullName)).toEqual([
      { actor: "alice" },
    ]);
    // The gate decided the console's destroy for the person who asked, as for `/preview destroy`:
    // not in Sluice's own name, which no rule, audit reader or cloud trust policy can tell apart
    // from a destroy Sluice made by itself (a close, a TTL).
    const gate = storeRows<{ actor: string; detail: string }>(
      h,
      "SELECT actor, detail FROM audit_events WHERE repo = ? AND action = 'gate-allowed'",
      r.repo.fullName,
    ).filter((a) => a.detail.startsWith("road: preview-destroy"));
    expect(gate.map((a) => a.actor)).toEqual(["alice"]);
  });

  it("the base branch renames the previews' workspace: the live preview is torn down where it lives before the next push applies the new one, nothing left behind (control: the new one goes at close)", async () => {
    const r = await newRepo();
    const pr = await openPr(r.repo, "renamed", { "app/main.tf": r.tf("v2") });
    await waitPreviewComment(h, r.repo, pr.number, /✅ live/, "no live preview");
    const before = join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate");
    expect(await stateInputs(before)).toEqual([`pr-${pr.number}-preview-v2`]);
    await untilIdle(h.app.dataDir);
    // The team's default branch now names previews' workspaces otherwise; the PR is pushed again.
    await h.sim.pushDefaultBranch(r.repo, { ".sluice.yaml": TRUSTED.replace('"pr-{number}"', '"review-{number}"') });
    await untilIdle(h.app.dataDir);
    await h.sim.pushToPullRequest(r.repo, pr.number, { "app/main.tf": r.tf("v3") });
    const after = join(r.wsDir, `review-${pr.number}`, "terraform.tfstate");
    await h.sim.waitFor(async () => (await stateInputs(after)).includes(`review-${pr.number}-preview-v3`), {
      message: "the push did not apply the preview in its new workspace",
      timeoutMs: 150_000,
    });
    await untilIdle(h.app.dataDir);
    // The preview in the old workspace is no orphan: destroyed, not forgotten by a record that moved on.
    expect(await stateResources(before)).toEqual([]);
    await h.sim.closePullRequest(r.repo, pr.number, { user: "alice" });
    await waitPreviewComment(h, r.repo, pr.number, /🗑️ destroyed/, "the preview was not destroyed at close");
    expect(await stateResources(after)).toEqual([]);
    expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
  });

  it("a push whose preview plan fails leaves the live preview as it was: closing the PR destroys it with the commit it was applied from, not the broken one", async () => {
    const r = await newRepo();
    const { pr, wsState } = await livePreview(r, "broken");
    // The next push does not even parse: its plan fails, nothing of it is applied.
    await h.sim.pushToPullRequest(r.repo, pr.number, { "app/main.tf": `${r.tf("v3")}\nresource "terraform_data" "cut" {\n` });
    await waitPreviewComment(h, r.repo, pr.number, /plan failed/, "the broken push's plan did not fail");
    await untilIdle(h.app.dataDir);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-preview-v2`]);
    // The PR is abandoned as it is: its preview still goes.
    await closeDestroysPreview(r, pr.number, wsState);
  });

  it("a first preview whose plan fails leaves nothing to destroy: closing the PR tries no destroy of the broken commit (which would fail for ever)", async () => {
    const r = await newRepo();
    const pr = await openPr(r.repo, "never", { "app/main.tf": `${r.tf("v2")}\nresource "terraform_data" "cut" {\n` });
    await waitPreviewComment(h, r.repo, pr.number, /plan failed/, "the broken PR's preview plan did not fail");
    await untilIdle(h.app.dataDir);
    await h.sim.closePullRequest(r.repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    expect(previewComment(h, r.repo, pr.number)).not.toContain("destroy failed");
    expect(
      storeRows<{ record: string }>(h, "SELECT record FROM previews WHERE repo = ?", r.repo.fullName).map(
        (p) => JSON.parse(p.record).status,
      ),
    ).toEqual(["destroyed"]);
    // Control: the preview of a PR that applied is destroyed at close (the tests above).
    expect(await readFile(r.prodState, "utf8")).toBe(r.prodBytes);
  });

  it("the base branch adds a preview variable the PR's code does not declare: the push's plan fails, and closing the PR still destroys the preview with the variables it was applied with", async () => {
    const r = await newRepo();
    const { pr, wsState } = await livePreview(r, "new-var");
    // The default branch declares `size` and gives previews a value for it; the PR, not rebased, has no such variable.
    const sized = TRUSTED.replace("vars: { flavor: preview }", "vars: { flavor: preview, size: big }");
    await h.sim.pushDefaultBranch(r.repo, {
      ".sluice.yaml": sized,
      "app/main.tf": `${r.tf("v1")}\nvariable "size" {\n  type    = string\n  default = "small"\n}\n`,
    });
    await untilIdle(h.app.dataDir);
    await h.sim.pushToPullRequest(r.repo, pr.number, { "app/main.tf": r.tf("v3") });
    await waitPreviewComment(h, r.repo, pr.number, /plan failed/, "the push's plan did not fail on the undeclared variable");
    await untilIdle(h.app.dataDir);
    expect(await stateInputs(wsState)).toEqual([`pr-${pr.number}-preview-v2`]);
    await closeDestroysPreview(r, pr.number, wsState);
  });

  it("attacks: a PR that adds `preview:` to its own config gets none; a template that names a real workspace is refused", async () => {
    const plain = `version: 1\nprojects:\n  - name: app\n    dir: app\n`;
    const r = await newRepo({ config: plain });
    const pr = await openPr(r.repo, "sneak", { ".sluice.yaml": TRUSTED, "app/main.tf": r.tf("v2") });
    await h.sim.waitFor(() => h.sim.checkRuns(r.repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      message: "no plan",
      timeoutMs: 120_000,
    });
    await untilIdle(h.app.dataDir);
    expect(previewComment(h, r.repo, pr.number)).toBe("");
    expect(previewDeployments(h, r.repo, "app", pr.number)).toEqual([]);
    // Closing a PR that had no preview says nothing about previews either.
    await h.sim.closePullRequest(r.repo, pr.number, { user: "alice" });
    await untilIdle(h.app.dataDir);
    expect(previewComment(h, r.repo, pr.number)).toBe("");
    expect(await stateResources(join(r.wsDir, `pr-${pr.number}`, "terraform.tfstate"))).toEqual([]);

    // The trusted config itself: a second project on the dir already uses the workspace PR #1 would get.
    const clash = `${TRUSTED}  - name: app-pr1\n    dir: app\n    workspace: pr-1\n`;
    const s = await newRepo({ config: clash });
    const first = await openPr(s.repo, "clash", { "README.md": "x\n" });
    expect(first.number).toBe(1);
    const told = await waitPreviewComment(h, s.repo, first.number, /belongs to a project of this repository/, "the clash was not refused");
    expect(told).not.toContain("✅ live");
    expect(await readFile(s.prodState, "utf8")).toBe(s.prodBytes);
  });
});
