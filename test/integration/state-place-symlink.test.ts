import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { applyRequest, planRequest, scratchRoot, terraform } from "../support/terraform-scratch.js";

/**
 * A local backend's `path` as terraform opens it: the kernel follows a link before the `..` after
 * it, where path.resolve takes the `..` away first. A PR's `path = "lnk/../../../kept/x.tfstate"`,
 * with `lnk` a link deeper into the checkout, reads as a state outside the checkout (in a dir the
 * server keeps) and is written inside it, removed with the worktree: reported applied all the same.
 */
const scratch = scratchRoot("sluice-tf-state-link-");

/** `net/` of a checkout whose local state `path` climbs back out through `via` (a link, or a plain dir). */
async function planned(via: "link" | "dir") {
  const dir = scratch.next();
  const checkout = join(dir, "checkout");
  const kept = join(dir, "kept");
  await mkdir(join(checkout, "net/d1/d2/d3"), { recursive: true });
  // The dir terraform opens the state in when `lnk` is a link (the PR commits it, with a .gitkeep).
  await mkdir(join(checkout, "net/kept"), { recursive: true });
  await mkdir(kept, { recursive: true });
  if (via === "link") await symlink("d1/d2/d3", join(checkout, "net/lnk"));
  else await mkdir(join(checkout, "net/lnk"));
  // Read as written, `net/lnk/../../../kept` is `<dir>/kept`; through the link it is `net/kept`.
  const path = "lnk/../../../kept/x.tfstate";
  await writeFile(
    join(checkout, "net/main.tf"),
    `terraform {\n  backend "local" {\n    path = "${path}"\n  }\n}\nresource "terraform_data" "net" {\n  input = "net"\n}\n`,
  );
  const dataDir = join(dir, "plan");
  const plan = await terraform.plan(planRequest(checkout, dataDir), exec);
  if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
  return { checkout, dataDir, plan, kept: join(kept, "x.tfstate"), inCheckout: join(checkout, "net/kept/x.tfstate") };
}

describe("a local state path through a link in the checkout", () => {
  it("the plan says the state is in the checkout, and the apply is refused before it writes there", async () => {
    const p = await planned("link");
    expect(p.plan.summary.stateAt).toContain("in the checkout");
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.plan.planFile, { checkoutStateAllowed: false }), exec);
    expect(result).toMatchObject({ ok: false, untouched: true });
    expect(!result.ok && result.message).toContain("state is a local file inside the checkout");
    expect(existsSync(p.inCheckout)).toBe(false);
  });

  it("a link made after the apply's first check (a provider at `show`): not reported applied", async () => {
    const p = await planned("dir");
    // The plan saw a plain dir; a provider started by the apply's `show` puts the link in its place.
    const swapping: Exec = async (file, args, opts) => {
      const r = await exec(file, args, opts);
      if (args[0] === "show") {
        await exec("sh", ["-c", "rm -r net/lnk && ln -s d1/d2/d3 net/lnk"], { ...opts, cwd: p.checkout });
      }
      return r;
    };
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.plan.planFile, { checkoutStateAllowed: false }), swapping);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("inside the checkout");
  });

  it("control: the same path through a plain dir is the kept file outside the checkout, applied", async () => {
    const p = await planned("dir");
    expect(p.plan.summary.stateAt).toBe(`local file \`${p.kept}\``);
    const result = await terraform.apply(applyRequest(p.checkout, p.dataDir, p.plan.planFile, { checkoutStateAllowed: false }), exec);
    expect(result).toMatchObject({ ok: true });
    expect(existsSync(p.kept)).toBe(true);
    expect(existsSync(p.inCheckout)).toBe(false);
  });
});
