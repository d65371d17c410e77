import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { applyRequest, plannedWithModule, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * Rule 8's line, drawn in the runner: an apply terraform refused before its steps ran (the set-up
 * again for a plan made elsewhere, the saved plan unreadable, the state not readable before) left
 * the state as it was and is `untouched` (recorded refused: its PR's locks are not kept for it).
 * One that failed once a step of the apply workflow started is not, whatever the step said.
 * Real terraform, a local backend outside the checkout.
 */
const scratch = scratchRoot("sluice-tf-untouched-");

const PLAN: Workflow["plan"] = [
  { kind: "init", extraArgs: [] },
  { kind: "plan", extraArgs: [] },
];

const planned = (workflow?: Workflow) => plannedWithModule(scratch.next(), workflow);

type Planned = Awaited<ReturnType<typeof planned>>;

async function apply(p: Planned, at: { dataDir?: string; planFile?: string; exec?: Exec } = {}) {
  const req = applyRequest(p.checkout, at.dataDir ?? p.dataDir, at.planFile ?? p.planFile, { workflow: p.workflow });
  return terraform.apply(req, at.exec ?? exec);
}

/** The plan copied to a data dir of its own (another replica's): the project is set up again there. */
async function elsewhere(p: Planned) {
  const copyDir = join(p.dir, "copy");
  await mkdir(copyDir);
  await copyFile(p.planFile, join(copyDir, "plan.tfplan"));
  return { dataDir: copyDir, planFile: join(copyDir, "plan.tfplan") };
}

describe("a terraform apply refused before its steps ran is untouched", () => {
  it("the set-up again for a plan made elsewhere failing (its module gone)", async () => {
    const p = await planned();
    await rm(join(p.checkout, "net/label"), { recursive: true });
    const result = await apply(p, await elsewhere(p));
    expect(result).toMatchObject({ ok: false, untouched: true });
    expect(existsSync(p.state)).toBe(false);
  });

  it("the state not readable through the backend before the apply", async () => {
    const p = await planned();
    // The plan as the runner reads it carries no prior state (the zip without its `tfstate`), so
    // the state is pulled, and the backend fails that; terraform shows the whole plan.
    const stripped = join(p.dir, "stripped.tfplan");
    await copyFile(p.planFile, stripped);
    execFileSync("zip", ["-q", "-d", stripped, "tfstate"]);
    const pulls: string[][] = [];
    const shows: string[][] = [];
    const failingPull: Exec = (file, args, opts) => {
      if (args[0] === "show") shows.push(args);
      if (args[0] === "state") {
        pulls.push(args);
        return Promise.resolve({ exitCode: 1, timedOut: false, durationMs: 0, stdout: "", stderr: "Error: backend unreachable" });
      }
      return exec(
        file,
        args.map((a) => (a === stripped ? p.planFile : a)),
        opts,
      );
    };
    const result = await apply(p, { planFile: stripped, exec: failingPull });
    expect(result).toMatchObject({ ok: false, untouched: true });
    if (!result.ok) expect(result.message).toContain("could not be read through the backend before the apply");
    expect(pulls).toHaveLength(1);
    // Read before `show` started any provider of the PR: nothing of it ran.
    expect(shows).toEqual([]);
    expect(existsSync(p.state)).toBe(false);
  });

  it("control: one made elsewhere whose set-up succeeds is applied", async () => {
    const p = await planned();
    expect(await apply(p, await elsewhere(p))).toMatchObject({ ok: true });
  });
});

describe("a terraform apply that failed once a step of it started is not untouched", () => {
  it("its saved plan's `show` failed (show starts the PR's providers, with the apply's credentials)", async () => {
    const p = await planned();
    await writeFile(p.planFile, "not a plan");
    const result = await apply(p);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty("untouched");
    expect(existsSync(p.state)).toBe(false);
  });

  it("the state not readable through the backend once `show` had started the PR's providers (one could have made it so)", async () => {
    const p = await planned();
    const stripped = join(p.dir, "stripped.tfplan");
    await copyFile(p.planFile, stripped);
    execFileSync("zip", ["-q", "-d", stripped, "tfstate"]);
    const ran: string[] = [];
    // The backend answers until a provider of the PR has run (in `show`): then it fails, as a
    // provider holding the apply's credentials could make it (the state object deleted, say).
    const afterShow: Exec = (file, args, opts) => {
      ran.push(args[0] ?? "");
      if (args[0] === "state" && ran.includes("show"))
        return Promise.resolve({ exitCode: 1, timedOut: false, durationMs: 0, stdout: "", stderr: "Error: state not found" });
      return exec(
        file,
        args.map((a) => (a === stripped ? p.planFile : a)),
        opts,
      );
    };
    const result = await apply(p, { planFile: stripped, exec: afterShow });
    expect(result).not.toHaveProperty("untouched");
  });

  it("its apply step failed (terraform refused an argument: still the apply process)", async () => {
    const p = await planned({ plan: PLAN, apply: [{ kind: "apply", extraArgs: ["-no-such-flag"] }] });
    const result = await apply(p);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty("untouched");
  });

  it("a `run` step before the apply step failed (it could have run anything)", async () => {
    const p = await planned({
      plan: PLAN,
      apply: [
        { kind: "run", argv: ["/bin/false"] },
        { kind: "apply", extraArgs: [] },
      ],
    });
    const result = await apply(p);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty("untouched");
  });
});
