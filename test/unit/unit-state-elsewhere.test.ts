import { createHash } from "node:crypto";
import { mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanFileRead } from "../../runners/terraform/plan-file-contents.js";
import { unitStateGoesElsewhere, unitWorkDirs } from "../../runners/terragrunt/unit-state.js";

/** unitStateGoesElsewhere over copies made on disk: which of a unit's work dirs it compares, and how. */
let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-unit-elsewhere-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const planOf = (type: string, config: Record<string, unknown> = {}, workspace = "default"): PlanFileRead => ({
  ok: true,
  changes: [],
  backend: { type, config, workspace },
});
const backendFile = (type: string, config: Record<string, unknown> = {}) =>
  JSON.stringify({ version: 3, backend: { type, config, hash: 1 } });
const where = { workspace: "default", tfWorkspace: undefined };

let dirs = 0;
/** A work dir; with `backend`, a `.terraform` holding that backend file (`null`: a `.terraform` without one). */
async function workDir(backend?: string | null, environment?: string) {
  const dir = join(root, `d${++dirs}`);
  await mkdir(dir, { recursive: true });
  if (backend === undefined) return dir;
  await mkdir(join(dir, ".terraform"));
  if (backend !== null) await writeFile(join(dir, ".terraform", "terraform.tfstate"), backend);
  if (environment !== undefined) await writeFile(join(dir, ".terraform", "environment"), environment);
  return dir;
}

describe("unitStateGoesElsewhere", () => {
  it("a copy naming the plan's backend and settings passes; one naming another is refused, settings unshown", async () => {
    const s3 = planOf("s3", { bucket: "b", key: "k" });
    expect(unitStateGoesElsewhere([await workDir(backendFile("s3", { key: "k", bucket: "b" }))], s3, where)).toBeUndefined();
    const other = unitStateGoesElsewhere([await workDir(backendFile("s3", { bucket: "secret-b", key: "k" }))], s3, where);
    expect(other).toContain("settings");
    expect(other).not.toContain("secret-b");
  });

  it("every copy terraform ran in is compared: one forged among good ones is refused", async () => {
    const good = await workDir(backendFile("s3", { bucket: "b" }));
    const forged = await workDir(backendFile("local", { path: "/x" }));
    expect(unitStateGoesElsewhere([good, forged], planOf("s3", { bucket: "b" }), where)).toContain("names `local`");
  });

  it("a work dir without `.terraform` beside a copy that has one is not where terraform ran: not compared", async () => {
    const ran = await workDir(backendFile("s3", { bucket: "b" }));
    expect(unitStateGoesElsewhere([await workDir(), ran], planOf("s3", { bucket: "b" }), where)).toBeUndefined();
  });

  it("with no `.terraform` anywhere, a missing backend file is the local default, never a pass for another backend", async () => {
    expect(unitStateGoesElsewhere([await workDir()], planOf("s3"), where)).toContain("names `local`");
    expect(unitStateGoesElsewhere([await workDir()], planOf("local"), where)).toBeUndefined();
    expect(unitStateGoesElsewhere([await workDir(null)], planOf("local"), where)).toBeUndefined();
  });

  it("a backend file that cannot be read (a dir, a link out of the copy) is refused, saying so", async () => {
    const asDir = await workDir(null);
    await mkdir(join(asDir, ".terraform", "terraform.tfstate"));
    expect(unitStateGoesElsewhere([asDir], planOf("local"), where)).toMatch(
      /^the backend file terraform init left in the unit's copy cannot be read/,
    );
    const linked = await workDir();
    const outside = await workDir(backendFile("local"));
    await symlink(join(outside, ".terraform"), join(linked, ".terraform"));
    expect(unitStateGoesElsewhere([linked], planOf("local"), where)).toContain("leads outside");
  });

  it("a workspace selected in the copy, or a plan of another workspace, is refused", async () => {
    expect(unitStateGoesElsewhere([await workDir(backendFile("local"), "decoy")], planOf("local"), where)).toContain("workspace `decoy`");
    expect(unitStateGoesElsewhere([await workDir(backendFile("local"))], planOf("local", {}, "prod"), where)).toContain(
      "the plan was made in workspace `prod`",
    );
    const selected = { workspace: "default", tfWorkspace: "decoy" };
    expect(unitStateGoesElsewhere([await workDir(backendFile("local"))], planOf("local"), selected)).toContain("workspace `decoy`");
  });

  it("a plan file that is not a local one (a saved cloud plan) has nothing to compare", async () => {
    expect(unitStateGoesElsewhere([await workDir(backendFile("s3"))], undefined, where)).toBeUndefined();
  });
});

describe("unitWorkDirs then unitStateGoesElsewhere over a download dir the run rearranged", () => {
  /**
   * A download dir holding a decoy copy (terragrunt.hcl, the plan's backend file) and the unit's
   * real copy (its backend file forged to `local`) at `<dl>/h/u1`; `arrange` then moves the real
   * one. Terragrunt runs the read-back at the same path, through whatever is there.
   */
  async function rearranged(arrange: (downloadDir: string) => Promise<void>) {
    const downloadDir = await workDir();
    const decoy = join(downloadDir, "decoy");
    await mkdir(join(decoy, ".terraform"), { recursive: true });
    await writeFile(join(decoy, "terragrunt.hcl"), "");
    await writeFile(join(decoy, ".terraform", "terraform.tfstate"), backendFile("s3", { bucket: "b" }));
    const real = join(downloadDir, "h", "u1");
    await mkdir(join(real, ".terraform"), { recursive: true });
    await writeFile(join(real, "terragrunt.hcl"), "");
    await writeFile(join(real, ".terraform", "terraform.tfstate"), backendFile("local", { path: "/elsewhere" }));
    await arrange(downloadDir);
    const work = await unitWorkDirs(join(root, "unit"), downloadDir);
    return work.ok ? unitStateGoesElsewhere(work.dirs, planOf("s3", { bucket: "b" }), where) : work.reason;
  }

  it("control: the real copy where terragrunt made it is compared", async () => {
    expect(await rearranged(async () => {})).toContain("names `local`");
  });

  it("the real copy moved out of the download dir, a link left at its path: still compared (terragrunt runs through the link)", async () => {
    const away = await workDir();
    const moved = await rearranged(async (dl) => {
      await rename(join(dl, "h"), join(away, "h"));
      await symlink(join(away, "h"), join(dl, "h"));
    });
    expect(moved).toBeDefined();
    expect(moved).not.toContain("elsewhere");
  });
});

describe("unitWorkDirs with the checkout: other units' copies (a dependency's) left out, the unit's own never", () => {
  it("a forged copy at the unit's own name is compared; one at another unit's name is not", async () => {
    const checkout = await workDir();
    for (const u of ["live/app", "live/db"]) {
      await mkdir(join(checkout, u), { recursive: true });
      await writeFile(join(checkout, u, "terragrunt.hcl"), "");
    }
    const nameOf = async (u: string) =>
      createHash("sha1")
        .update(await realpath(join(checkout, u)))
        .digest("base64url");
    const downloadDir = await workDir();
    const copyAt = async (name: string, backend: string) => {
      const copy = join(downloadDir, name, "src", "mod");
      await mkdir(join(copy, ".terraform"), { recursive: true });
      await writeFile(join(copy, "terragrunt.hcl"), "");
      await writeFile(join(copy, ".terraform", "terraform.tfstate"), backend);
    };
    const plan = planOf("s3", { bucket: "b" });
    const check = async () => {
      const work = await unitWorkDirs(join(checkout, "live/app"), downloadDir, checkout);
      return work.ok ? unitStateGoesElsewhere(work.dirs, plan, where) : work.reason;
    };
    await copyAt(await nameOf("live/app"), backendFile("s3", { bucket: "b" }));
    await copyAt(await nameOf("live/db"), backendFile("s3", { bucket: "db" }));
    expect(await check()).toBeUndefined();
    await copyAt(await nameOf("live/app"), backendFile("s3", { bucket: "forged" }));
    expect(await check()).toContain("settings");
  });
});
