import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, realpath, rename, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";
import { unitWorkDirs } from "../../runners/terragrunt/unit-state.js";
import { writeFiles } from "../support/prior-state-secret.js";
import { TERRAGRUNT_STAND_IN, useTerragruntScratch } from "../support/terragrunt-prior-state.js";

/**
 * `terraform apply` of a saved plan writes the state where the plan's backend says, in the
 * workspace selected when it runs; the read-back after it (`terragrunt run -- state pull`) goes
 * through the backend file and the `environment` file init left in the unit's copy, which the
 * unit's runs can write (a hook, a provider). A unit's plan, its apply before terragrunt applies
 * and again before the read-back compare them with the plan file. Through the stand-in
 * (terragrunt cannot be installed here) and real terraform.
 */
const scratch = useTerragruntScratch("sluice-tg-backend-forged-");
const runner = createTerragruntRunner({ binary: TERRAGRUNT_STAND_IN });
let units = 0;

/** A new unit whose module keeps its state in a local file outside the checkout (kept). */
async function newUnit() {
  const name = `u${++units}`;
  const state = join(scratch.root, `${name}.tfstate`);
  await writeFiles(scratch.checkout, {
    [`modules/${name}/main.tf`]: `terraform {\n  backend "local" {\n    path = "${state}"\n  }\n}\nresource "terraform_data" "x" {\n  input = "x"\n}\n`,
    [`live/${name}/terragrunt.hcl`]: `terraform {\n  source = "../../modules//${name}"\n}\n`,
  });
  const dir = `live/${name}`;
  const dataDir = join(scratch.root, `data-${name}`);
  const plan = (via: Exec = exec) => runner.plan(scratch.planRequest(dir, `data-${name}`), via);
  const apply = (via: Exec = exec) => runner.apply(scratch.applyRequest(dir, `data-${name}`), via);
  /** The copy terragrunt made of the unit, where terraform ran (its `.terraform`). */
  const copy = async () => {
    const work = await unitWorkDirs(join(scratch.checkout, dir), join(dataDir, "terragrunt-cache"));
    if (!work.ok || work.dirs.length !== 1) throw new Error(`no single copy: ${JSON.stringify(work)}`);
    return work.dirs[0] as string;
  };
  return { name, state, plan, apply, copy, downloadDir: join(dataDir, "terragrunt-cache"), dataDir };
}

/** Runs every command, then `after` once the one named `command` returned (as a hook after it would). */
const afterCommand =
  (command: string, then: () => Promise<void>): Exec =>
  async (file, args, opts) => {
    const r = await exec(file, args, opts);
    if (args[0] === command) await then();
    return r;
  };

const s3 = JSON.stringify({ version: 3, terraform_version: "1.11.4", backend: { type: "s3", config: { bucket: "decoy" }, hash: 1 } });

async function planned() {
  const u = await newUnit();
  const plan = await u.plan();
  if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
  return u;
}

describe("a unit's backend file that does not name the plan's backend", () => {
  it("control: unforged, the unit plans and applies, read back where the plan's backend says", async () => {
    const u = await planned();
    const result = await u.apply();
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(result.readBack).toBeDefined();
    expect(JSON.parse(await readFile(u.state, "utf8")).resources.length).toBe(1);
  });

  it("forged between plan and apply (naming `s3`): the apply is refused before terragrunt applies, the state untouched", async () => {
    const u = await planned();
    await writeFile(join(await u.copy(), ".terraform", "terraform.tfstate"), s3);
    const result = await u.apply();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      "the backend file in TF_DATA_DIR names `s3`, but the plan file was made with the `local` backend: the state would not be read back where the apply writes it; plan again",
    );
    expect(!result.ok && result.message).not.toContain("decoy");
    expect(existsSync(u.state)).toBe(false);
  });

  it("one that cannot be read (a dir in its place) refuses the apply, never taken for the local default", async () => {
    const u = await planned();
    const backendFile = join(await u.copy(), ".terraform", "terraform.tfstate");
    await rm(backendFile);
    await mkdir(backendFile);
    const result = await u.apply();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("the backend file terraform init left in the unit's copy cannot be read");
    expect(existsSync(u.state)).toBe(false);
  });

  it("forged by the plan's run after `terraform plan` (an after_hook): the plan is refused at its state step", async () => {
    const u = await newUnit();
    const plan = await u.plan(afterCommand("plan", async () => writeFile(join(await u.copy(), ".terraform", "terraform.tfstate"), s3)));
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
    expect(!plan.ok && plan.message).toContain("names `s3`");
  });

  it("forged after the apply ran, before the read-back: not reported applied (the read-back would find a copy the PR chose)", async () => {
    const u = await planned();
    const decoy = join(scratch.root, "decoy.tfstate");
    // The apply's write lost from the plan's backend, and the backend file pointing at where it went:
    // the same backend type and block hash (terraform takes the file as it is), another path.
    const forge = async () => {
      const backendFile = join(await u.copy(), ".terraform", "terraform.tfstate");
      const file = JSON.parse(await readFile(backendFile, "utf8"));
      file.backend.config.path = decoy;
      await writeFile(backendFile, JSON.stringify(file));
      await rename(u.state, decoy);
    };
    const result = await u.apply(afterCommand("apply", forge));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("its state could not be read back through the backend");
    expect(!result.ok && result.message).toContain("are not those the plan file was made with");
  });
});

describe("a workspace selected in the unit's copy after the plan", () => {
  it("the apply is refused before terragrunt applies, no workspace's state written", async () => {
    const u = await planned();
    const copy = await u.copy();
    await mkdir(join(copy, "terraform.tfstate.d", "decoy"), { recursive: true });
    await writeFile(join(copy, ".terraform", "environment"), "decoy");
    const result = await u.apply();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toBe(
      "TF_DATA_DIR selects workspace `decoy`, not the project's `default`: the apply would write that workspace's state; plan again",
    );
    expect(existsSync(join(copy, "terraform.tfstate.d", "decoy", "terraform.tfstate"))).toBe(false);
    expect(existsSync(u.state)).toBe(false);
  });

  it("control: `default` selected there, the apply writes the plan's state", async () => {
    const u = await planned();
    await writeFile(join(await u.copy(), ".terraform", "environment"), "default\n");
    const result = await u.apply();
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(existsSync(u.state)).toBe(true);
  });
});

describe("the unit's copy hidden from the walk after the apply, a decoy copy holding the genuine backend file", () => {
  /**
   * The apply's write moved to `decoy.tfstate`, the real copy's backend file pointing there, and a
   * decoy under the download dir holding the backend file init wrote (the plan's): `hide` then
   * keeps the real copy from being listed. The read-back (terragrunt re-copies the unit's files)
   * runs in the real copy and would find the state the PR moved.
   */
  const forgeAndHide = (u: Awaited<ReturnType<typeof planned>>, hide: (copy: string) => Promise<unknown>) => async () => {
    const copy = await u.copy();
    const backendFile = join(copy, ".terraform", "terraform.tfstate");
    const genuine = await readFile(backendFile, "utf8");
    const decoyState = join(u.dataDir, "decoy.tfstate");
    const forged = JSON.parse(genuine);
    forged.backend.config.path = decoyState;
    await writeFile(backendFile, JSON.stringify(forged));
    await rename(u.state, decoyState);
    const decoy = join(u.downloadDir, "decoy");
    await mkdir(join(decoy, ".terraform"), { recursive: true });
    await writeFile(join(decoy, "terragrunt.hcl"), "");
    await writeFile(join(decoy, "main.tf"), "");
    await writeFile(join(decoy, ".terraform", "terraform.tfstate"), genuine);
    await hide(copy);
  };

  it("the copy's terragrunt.hcl removed (terraform ran there: its `.terraform`): not reported applied", async () => {
    const u = await planned();
    const result = await u.apply(
      afterCommand(
        "apply",
        forgeAndHide(u, (copy) => rm(join(copy, "terragrunt.hcl"))),
      ),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("are not those the plan file was made with");
  });
});

describe("a dependency's copy under the unit's download dir (terragrunt reads its outputs there)", () => {
  it("is not the unit's: its own backend does not refuse the unit's plan or apply", async () => {
    const u = await newUnit();
    // A dependency whose outputs terragrunt reads with `output -json` in the dependency's own copy: with a
    // --download-dir given, that copy goes under the same dir, at the hash of the dependency's dir.
    const depDir = join(scratch.checkout, "live", `${u.name}-dep`);
    await writeFiles(scratch.checkout, {
      [`live/${u.name}-dep/terragrunt.hcl`]: `terraform {\n  source = "../../modules//${u.name}-dep"\n}\n`,
    });
    const depCopy = join(
      u.downloadDir,
      createHash("sha1")
        .update(await realpath(depDir))
        .digest("base64url"),
      "src",
      `${u.name}-dep`,
    );
    const writeDepCopy = async () => {
      await mkdir(join(depCopy, ".terraform"), { recursive: true });
      await writeFile(join(depCopy, "terragrunt.hcl"), `terraform {\n  source = "../../modules//${u.name}-dep"\n}\n`);
      await writeFile(join(depCopy, "main.tf"), `terraform {\n  backend "local" {\n    path = "/srv/dep.tfstate"\n  }\n}\n`);
      const local = {
        version: 3,
        terraform_version: "1.11.4",
        backend: { type: "local", config: { path: "/srv/dep.tfstate", workspace_dir: null }, hash: 7 },
      };
      await writeFile(join(depCopy, ".terraform", "terraform.tfstate"), JSON.stringify(local));
    };
    const plan = await u.plan(afterCommand("plan", writeDepCopy));
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    const result = await u.apply();
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(JSON.parse(await readFile(u.state, "utf8")).resources.length).toBe(1);
  });
});

describe("a unit without `terraform.source` (terraform runs in the unit's own dir), a decoy copy under its download dir", () => {
  it("its own dir's forged backend file is still compared: not reported applied", async () => {
    const name = `u${++units}`;
    const state = join(scratch.root, `${name}.tfstate`);
    const dir = `live/${name}`;
    await writeFiles(scratch.checkout, {
      [`${dir}/main.tf`]: `terraform {\n  backend "local" {\n    path = "${state}"\n  }\n}\nresource "terraform_data" "x" {\n  input = "x"\n}\n`,
      [`${dir}/terragrunt.hcl`]: "inputs = {}\n",
    });
    const dataDir = join(scratch.root, `data-${name}`);
    const plan = await runner.plan(scratch.planRequest(dir, `data-${name}`), exec);
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    const unitDir = join(scratch.checkout, dir);
    const forge = async () => {
      const backendFile = join(unitDir, ".terraform", "terraform.tfstate");
      const genuine = await readFile(backendFile, "utf8");
      const decoyState = join(dataDir, "decoy.tfstate");
      const forged = JSON.parse(genuine);
      forged.backend.config.path = decoyState;
      await writeFile(backendFile, JSON.stringify(forged));
      await rename(state, decoyState);
      const decoy = join(dataDir, "terragrunt-cache", "decoy");
      await mkdir(join(decoy, ".terraform"), { recursive: true });
      await writeFile(join(decoy, "terragrunt.hcl"), "");
      await writeFile(join(decoy, ".terraform", "terraform.tfstate"), genuine);
    };
    const result = await runner.apply(scratch.applyRequest(dir, `data-${name}`), afterCommand("apply", forge));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("are not those the plan file was made with");
  });
});

/**
 * A local state `path` read as terraform opens it: a link before a `..` is followed first. One
 * that reads as a file outside the checkout and, through a link a hook on `apply` leaves after
 * Sluice's checks, is written inside it (removed with the worktree) is not reported applied.
 */
describe("a unit's local state path through a link in the checkout", () => {
  async function linkUnit() {
    const name = `u${++units}`;
    // Beside the unit (terragrunt copies the unit's own dir): read as written, <links>/lnk/../../../../x
    // is beside the checkout; with lnk -> d1/d2/d3, in the checkout's links/.
    const links = join(scratch.checkout, "links", name);
    await writeFiles(scratch.checkout, {
      [`modules/${name}/main.tf`]: `terraform {\n  backend "local" {\n    path = "${links}/lnk/../../../../${name}.tfstate"\n  }\n}\nresource "terraform_data" "x" {\n  input = "x"\n}\n`,
      [`live/${name}/terragrunt.hcl`]: `terraform {\n  source = "../../modules//${name}"\n}\n`,
      [`links/${name}/d1/d2/d3/.keep`]: "",
      [`links/${name}/lnk/.keep`]: "",
    });
    const dir = `live/${name}`;
    const link = async () => {
      await rm(join(links, "lnk"), { recursive: true });
      await symlink("d1/d2/d3", join(links, "lnk"));
    };
    return {
      outside: join(scratch.root, `${name}.tfstate`),
      inside: join(scratch.checkout, "links", `${name}.tfstate`),
      link,
      plan: (via: Exec = exec) => runner.plan(scratch.planRequest(dir, `data-${name}`), via),
      apply: (via: Exec = exec) => runner.apply(scratch.applyRequest(dir, `data-${name}`), via),
    };
  }

  it("control: through a plain dir, the state is the file outside the checkout, applied", async () => {
    const u = await linkUnit();
    const plan = await u.plan();
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    expect(plan.summary.stateAt).toBe(`local file \`${u.outside}\``);
    const result = await u.apply();
    if (!result.ok) throw new Error(`${result.message}\n${result.output}`);
    expect(existsSync(u.outside)).toBe(true);
  });

  it("the link there at plan: refused at the plan's state step", async () => {
    const u = await linkUnit();
    await u.link();
    const plan = await u.plan();
    expect(plan).toMatchObject({ ok: false, failedStep: "state" });
    expect(!plan.ok && plan.message).toContain("inside the checkout");
  });

  it("the link left by a hook on `apply`, after Sluice's checks: not reported applied", async () => {
    const u = await linkUnit();
    const plan = await u.plan();
    if (!plan.ok) throw new Error(`${plan.message}\n${plan.output}`);
    const beforeApply: Exec = async (file, args, opts) => {
      if (args.includes("apply")) await u.link();
      return exec(file, args, opts);
    };
    const result = await u.apply(beforeApply);
    expect(existsSync(u.inside)).toBe(true);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain("inside the checkout");
  });
});
