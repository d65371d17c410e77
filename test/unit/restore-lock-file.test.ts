import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readZipEntry } from "../../runners/helm/read-zip-entry.js";
import { restoreLockFile } from "../../runners/terraform/restore-lock-file.js";
import { makeZip } from "../support/make-zip.js";

const LOCK = 'provider "registry.terraform.io/hashicorp/null" {\n  version = "3.2.2"\n}\n';

let dir: string;
let project: string;
let checkout: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-restore-lock-"));
  checkout = join(dir, "checkout");
  project = join(checkout, "net");
  await mkdir(project, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function planWith(entries: Parameters<typeof makeZip>[0]): Promise<string> {
  const file = join(dir, "plan.tfplan");
  await writeFile(file, makeZip([{ name: "tfplan", data: Buffer.from("plan") }, ...entries]));
  return file;
}

const present = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

describe("readZipEntry of bytes a sandbox wrote: bounded", () => {
  const big = Buffer.alloc(2 * 1024 * 1024);

  it("refuses an entry whose declared size is over the limit, before inflating it", () => {
    const zip = makeZip([{ name: "x", data: big }]);
    expect(() => readZipEntry(zip, "x", 1024 * 1024)).toThrow(/over 1048576 bytes/);
    expect(readZipEntry(zip, "x")?.length).toBe(big.length);
  });

  it("stops inflating at the limit when the declared size lies (a zip bomb)", () => {
    const zip = makeZip([{ name: "x", data: big, declaredSize: 10 }]);
    expect(zip.length).toBeLessThan(10_000);
    expect(() => readZipEntry(zip, "x", 1024 * 1024)).toThrow(/larger than|1048576/);
  });
});

describe("restoreLockFile", () => {
  it("writes the plan's lock file into a project dir that has none", async () => {
    await restoreLockFile(await planWith([{ name: ".terraform.lock.hcl", data: Buffer.from(LOCK) }]), project, checkout);
    expect(await readFile(join(project, ".terraform.lock.hcl"), "utf8")).toBe(LOCK);
  });

  it("keeps the project's own lock file, and never writes through a symlink at its place", async () => {
    const plan = await planWith([{ name: ".terraform.lock.hcl", data: Buffer.from(LOCK) }]);
    await writeFile(join(project, ".terraform.lock.hcl"), "own");
    await restoreLockFile(plan, project, checkout);
    expect(await readFile(join(project, ".terraform.lock.hcl"), "utf8")).toBe("own");

    const other = join(dir, "checkout", "app");
    await mkdir(other);
    const outside = join(dir, "outside.hcl");
    await symlink(outside, join(other, ".terraform.lock.hcl"));
    await restoreLockFile(plan, other, checkout);
    expect(await readlink(join(other, ".terraform.lock.hcl"))).toBe(outside);
    expect(await present(outside)).toBe(false);
  });

  it("writes nowhere outside the checkout, also through a dir swapped for a symlink after the project dir was resolved", async () => {
    const plan = await planWith([{ name: ".terraform.lock.hcl", data: Buffer.from(LOCK) }]);
    const outside = join(dir, "outside");
    await mkdir(join(outside, "net"), { recursive: true });
    await symlink(outside, join(checkout, "swapped"));
    await restoreLockFile(plan, join(checkout, "swapped"), checkout);
    await restoreLockFile(plan, join(checkout, "swapped", "net"), checkout);
    expect(await present(join(outside, ".terraform.lock.hcl"))).toBe(false);
    expect(await present(join(outside, "net", ".terraform.lock.hcl"))).toBe(false);
  });

  it("leaves the choice to init when the plan's lock file is a zip bomb or the plan no zip", async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024, 0x20);
    await restoreLockFile(await planWith([{ name: ".terraform.lock.hcl", data: bomb, declaredSize: LOCK.length }]), project, checkout);
    expect(await present(join(project, ".terraform.lock.hcl"))).toBe(false);
    await writeFile(join(dir, "plan.tfplan"), "not a zip");
    await restoreLockFile(join(dir, "plan.tfplan"), project, checkout);
    expect(await present(join(project, ".terraform.lock.hcl"))).toBe(false);
  });
});
