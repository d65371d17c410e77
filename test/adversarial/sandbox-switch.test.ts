import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, tfProject } from "../support/harness.js";
import { botComments, completedCheck } from "./support.js";
import { settledReadyz } from "../support/readyz.js";

// Secure by default: without a working sandbox Sluice runs no tools and says why, at startup, on
// /readyz and on the PR. `sandbox: off` is the operator's explicit choice, warned about at every start.

let h: Harness | undefined;
let outside: string | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  if (outside) await rm(outside, { recursive: true, force: true });
  outside = undefined;
});

const readyz = (app: Harness["app"]) => settledReadyz(app.url);

/** A PR that changes `net/main.tf` from `base` to `head`, planned: its check and the bot's comments. */
async function plannedPr(name: string, base: string, head: string) {
  const sim = (h as Harness).sim;
  const repo = await sim.createRepo({ owner: "acme", name, files: { "net/main.tf": base } });
  await sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": head } });
  const pr = await sim.openPullRequest(repo, { head: "c", author: "alice" });
  const check = await completedCheck(h as Harness, repo, pr.headSha, "sluice/plan");
  return {
    check,
    body: botComments(h as Harness, repo, pr.number)
      .map((c) => c.body)
      .join("\n"),
  };
}

/** A PR whose plan reads a file outside its checkout. */
const readingPr = (name: string, file: string) =>
  plannedPr(name, tfProject("net"), `${tfProject("net")}\noutput "read" {\n  value = file("${file}")\n}\n`);

describe("without bubblewrap", () => {
  for (const [label, bwrap, why] of [
    ["missing", "/nonexistent/bwrap", /could not start \/nonexistent\/bwrap/],
    ["failing", "/bin/false", /\/bin\/false failed \(exit 1\)/],
  ] as const) {
    it(`(${label}) Sluice refuses to run tools: it logs why, /readyz fails the sandbox check, the PR is told`, async () => {
      h = await startHarness({ env: { SLUICE_BWRAP_PATH: bwrap } });
      expect(h.app.output()).toMatch(/the sandbox \(bubblewrap\) cannot start/);
      expect(h.app.output()).toMatch(why);
      const ready = await readyz(h.app);
      expect(ready.status).toBe(503);
      const check = ready.body.checks.find((c) => c.name === "sandbox");
      expect(check?.ok).toBe(false);
      expect(check?.reason).toMatch(why);
      expect(ready.body.checks.find((c) => c.name === "store")?.ok).toBe(true);

      outside = await mkdtemp(join(tmpdir(), "sluice-outside-"));
      await writeFile(join(outside, "x.txt"), "outside-content-3b1f");
      const { check: plan, body } = await readingPr(`nobwrap-${label}`, join(outside, "x.txt"));
      expect(plan.conclusion).toBe("failure");
      expect(body).toMatch(
        /\*\*`net`\*\*[^\n]*⛔ refused: the sandbox \(bubblewrap\) cannot start on this server, so Sluice runs no tools/,
      );
      expect(body).not.toContain("outside-content-3b1f");
      // Nothing ran: terraform never initialized the project.
      expect(body).not.toContain("Terraform");
    });
  }
});

describe("sandbox: off", () => {
  it("runs tools unsandboxed, as the operator said, with a warning at start and a note on /readyz", async () => {
    h = await startHarness({ serverConfig: "sandbox: off\n", env: { SLUICE_BWRAP_PATH: "/nonexistent/bwrap" } });
    expect(h.app.output()).toMatch(/sandbox: off — tool runs are not sandboxed/);
    const ready = await readyz(h.app);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.find((c) => c.name === "sandbox")).toMatchObject({ ok: true, detail: expect.stringMatching(/^off/) });

    outside = await mkdtemp(join(tmpdir(), "sluice-outside-"));
    await writeFile(join(outside, "x.txt"), "outside-content-3b1f");
    const { check, body } = await readingPr("sandbox-off", join(outside, "x.txt"));
    expect(check.conclusion).toBe("success");
    expect(body).toContain("outside-content-3b1f");

    // The warning comes again at every start.
    await h.restart({ signal: "SIGTERM" });
    expect(h.app.output()).toMatch(/sandbox: off — tool runs are not sandboxed/);
  });

  it("a local state in Sluice's own data dir is refused at plan (its plans and worktrees go); control: one in a dir of the operator's is planned", async () => {
    h = await startHarness({ serverConfig: "sandbox: off\n", env: { SLUICE_BWRAP_PATH: "/nonexistent/bwrap" } });
    const planned = (name: string, stateFile: string) =>
      plannedPr(name, statefulProject("net", stateFile, 0), statefulProject("net", stateFile, 1));
    // A PR's plans dir, which Sluice removes when the PR closes: with no sandbox, terraform can write there.
    const lost = await planned("off-state-lost", join(h.app.dataDir, "plans", "net.tfstate"));
    expect(lost.check.conclusion).toBe("failure");
    expect(lost.body).toContain("in Sluice's own data (its data dir or worktrees' dir)");
    const kept = await planned("off-state-kept", join(h.stateDir, "net.tfstate"));
    expect(kept.check.conclusion).toBe("success");
    expect(kept.body).toContain("Plan: 1 to add");
  });
});
