import { randomInt } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";
import { botComments, completedCheck, exists, nextReply, processesWith, type Repo, settle } from "./support.js";

// Faults while an apply is in flight. Applies need no approval here so each test is one plan and
// one /apply; a step may take 4 s before it is killed.

let h: Harness;
let stateDir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\nstep_timeout: 4s\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** A planned PR whose apply runs `command` through a local-exec provisioner. */
async function plannedPr(command: string) {
  n++;
  const name = `faults-${n}`;
  h.sim.setPermission(`acme/${name}`, "bob", "write");
  const state = join(stateDir, `${name}.tfstate`);
  const extra = `\nresource "terraform_data" "hook" {\n  provisioner "local-exec" {\n    command = "${command}"\n  }\n}\n`;
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": statefulProject("net", state, 1, extra) } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).trim().split("\n");
}

/** Comments /apply and waits until the apply's command has started (its marker file exists). */
async function applyUntilStarted(repo: Repo, pr: number, marker: string) {
  const before = botComments(h, repo, pr).length;
  await h.sim.comment(repo, pr, { user: "bob", body: "/apply" });
  await h.sim.waitFor(() => exists(marker), { message: "the apply never started", timeoutMs: 30_000 });
  return before;
}

describe("GitHub failing while the apply result is posted", () => {
  it("5xx, 403 with retry-after and a slow answer: the result is posted once GitHub answers; the apply ran once", async () => {
    const marker = join(stateDir, `applied-${n + 1}.log`);
    // The apply waits for `go`, written once the faults are armed: a fixed sleep left a window a
    // busy machine could miss (the result posted before the faults, none of them met).
    const go = join(stateDir, `go-${n + 1}`);
    const { repo, pr } = await plannedPr(`echo applied >> ${marker} && until [ -e ${go} ]; do sleep 0.05; done`);
    const before = await applyUntilStarted(repo, pr.number, marker);
    const comments = /\/issues\/comments\/\d+$/;
    h.sim.failNext({ method: "PATCH", pathPattern: comments, status: 502, times: 2 });
    h.sim.failNext({ method: "PATCH", pathPattern: comments, status: 403, headers: { "retry-after": "1" } });
    h.sim.failNext({ method: "PATCH", pathPattern: comments, delayMs: 1_500 });
    h.sim.failNext({ method: "PATCH", pathPattern: /\/check-runs\/\d+$/, status: 503, times: 2 });
    await writeFile(go, "");
    const body = await nextReply(h, repo, pr.number, before);
    expect(body).toMatch(/✅ applied/);
    expect((await completedCheck(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("success");
    // Every fault was met: the result really went through all of them.
    const failed = h.sim.calls.filter((c) => c.method === "PATCH" && [502, 503, 403].includes(c.status));
    expect(failed.length).toBeGreaterThanOrEqual(5);
    await settle(h);
    expect(await lines(marker)).toEqual(["applied"]);
    expect(botComments(h, repo, pr.number)).toHaveLength(before + 1);
  });

  it("answers lost after GitHub did the work: no duplicate comment, the apply ran once", async () => {
    const marker = join(stateDir, `applied-${n + 1}.log`);
    const { repo, pr } = await plannedPr(`echo applied >> ${marker}`);
    // The apply's first comment is created, but the app never hears back; then an edit is lost too.
    h.sim.failNext({ method: "POST", pathPattern: new RegExp(`/issues/${pr.number}/comments$`), loseAnswer: true });
    h.sim.failNext({ method: "PATCH", pathPattern: /\/issues\/comments\/\d+$/, loseAnswer: true });
    const before = botComments(h, repo, pr.number).length;
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const body = await nextReply(h, repo, pr.number, before);
    expect(body).toMatch(/✅ applied/);
    await completedCheck(h, repo, pr.headSha, "sluice/apply");
    await settle(h);
    expect(botComments(h, repo, pr.number)).toHaveLength(before + 1);
    expect(await lines(marker)).toEqual(["applied"]);
  });
});

describe("a tool that hangs", () => {
  it("is killed with its whole process group at the step timeout, and the failure is reported", async () => {
    // A unique sleep length marks the provisioner's process in /proc. It ignores SIGHUP, so the pty
    // closing does not end it: only a signal to the whole process group does.
    const seconds = `61.${randomInt(100_000, 999_999)}`;
    const marker = join(stateDir, `hang-${n + 1}.log`);
    const { repo, pr } = await plannedPr(`echo started >> ${marker} && trap '' HUP && sleep ${seconds}`);
    const before = await applyUntilStarted(repo, pr.number, marker);
    await h.sim.waitFor(() => processesWith(`sleep ${seconds}`).length > 0, { message: "the provisioner's sleep never ran" });
    const body = await nextReply(h, repo, pr.number, before);
    expect(body).toMatch(/❌ failed/);
    expect(body).toMatch(/apply timed out after 4 s and was stopped/);
    expect((await completedCheck(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
    // Nothing the apply started outlives it: not the sleep, not its shell.
    await h.sim.waitFor(() => processesWith(seconds).length === 0, {
      message: `still running: ${JSON.stringify(processesWith(seconds))}`,
      timeoutMs: 3_000,
    });
    expect(await lines(marker)).toEqual(["started"]);
  });
});
