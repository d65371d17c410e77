import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { botComments, completedCheck, storeCounts } from "./support.js";

// The data volume is small (a 128 MiB tmpfs mounted for the test; root may mount here): a PR's
// run writing past `limits.disk` is stopped for it and its space freed, and a volume filled by
// anything still records deliveries (the reserve) or refuses them with a clear 503, never a 500.
// The PR's code runs at plan time through a server workflow's `run: [sh, prepare.sh]` step.

let h: Harness;
let root: string;
let mnt: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "sluice-full-"));
  mnt = join(root, "data");
  mkdirSync(mnt);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=128m", "tmpfs", mnt]);
  h = await startHarness({
    dataDir: mnt,
    serverConfig: [
      "apply_requirements: []",
      "workflows:",
      "  scripted:",
      "    plan:",
      "      steps:",
      "        - init",
      "        - run: [sh, prepare.sh]",
      "        - plan",
      "allowed_workflows: [scripted]",
      "limits: { disk: 24Mi }",
      "data_reserve: 16Mi",
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await h?.app.kill("SIGTERM");
  try {
    execFileSync("umount", [mnt]);
  } catch {
    // Something still holds a file there: detach it now, the kernel frees it when released.
    execFileSync("umount", ["-l", mnt]);
  } finally {
    await h?.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

const config = "version: 1\nprojects:\n  - name: app\n    dir: app\n    workflow: scripted\n";
const free = () => {
  const s = statfsSync(mnt);
  return s.bavail * s.bsize;
};

/** Fills the volume with a file of the test's own, until the kernel says it is full. */
function fill(name: string): string {
  const file = join(mnt, name);
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  return file;
}

let n = 0;
async function prWith(prepare: string) {
  const repo = await h.sim.createRepo({
    owner: "acme",
    name: `full-${++n}`,
    files: { ".sluice.yaml": config, "app/main.tf": tfProject("app"), "app/prepare.sh": "true\n" },
  });
  await h.sim.pushBranch(repo, { branch: "c", files: { "app/main.tf": tfProject("app", 2), "app/prepare.sh": prepare } });
  return repo;
}

describe("disk", () => {
  it("a run writing past limits.disk is stopped for it, the PR is told, and the space it took is freed", async () => {
    const before = free();
    const repo = await prWith("head -c 48M /dev/zero > fill.bin || true\nsleep 5\necho survived\n");
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "mallory" });
    const check = await completedCheck(h, repo, pr.headSha, "sluice/plan");
    const body = botComments(h, repo, pr.number)[0]?.body ?? "";
    expect(body).toContain("the disk limit (24 MiB) was exceeded");
    expect(body).not.toContain("survived");
    expect(check.conclusion).toBe("failure");
    const worktree = join(mnt, "worktrees", `acme__${repo.name}`, String(pr.number), pr.headSha);
    // The space is freed when the last job holding that checkout lets it go; on a loaded machine
    // that can be a later job on the same head, so the bound is generous (a run alone takes ~2 s).
    await h.sim.waitFor(() => !existsSync(join(worktree, "app", "fill.bin")) && free() > before - 16 * 1024 * 1024, {
      message: "the failed run's space was not freed",
      timeoutMs: 150_000,
    });
  }, 240_000);

  it("a full volume neither loses deliveries nor answers 500: the reserve records them, or a 503 says why", async () => {
    const repo = await prWith("echo fine\n");
    const counted = storeCounts(mnt).deliveries;
    await h.sim.waitFor(() => existsSync(join(mnt, "reserve")) && statSync(join(mnt, "reserve")).size >= 16 * 1024 * 1024, {
      message: "the data dir's reserve was never written",
    });
    const filler = fill("filler.bin");
    const opened = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    // Recorded in the space the reserve gave up.
    expect(opened.delivery.status).toBe(202);
    expect(storeCounts(mnt).deliveries).toBe(counted + 1);
    // The operator frees space: the recorded delivery's plan runs.
    rmSync(filler);
    await h.sim.waitFor(() => h.sim.checkRuns(repo, opened.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      message: "the delivery recorded on the full volume was never acted on",
      timeoutMs: 60_000,
    });

    // Full again: recorded (a reserve kept again) or refused with a 503 that names the cause.
    const again = fill("filler2.bin");
    const closed = await h.sim.closePullRequest(repo, opened.number);
    const status = (closed as { delivery?: { status: number; body: string } }).delivery ?? h.sim.deliveries.at(-1);
    expect([202, 503]).toContain(status?.status);
    if (status?.status === 503) expect(status.body).toContain("data volume of this Sluice server is full");
    rmSync(again);
  });
});
