import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartDependencies } from "../../runners/helm/chart-dependencies.js";
import { chartAt } from "../../runners/helm/chart-location.js";
import { createPluginCache } from "../../runners/terraform/plugin-cache.js";
import { readRepoTree } from "../../src/repo-reading/read-repo-tree.js";
import { CHECKOUT_FILE_MAX_BYTES, CheckoutFileError, readCheckoutFile } from "../../src/util/read-checkout-file.js";

// Issue #10, "also trusted": files Sluice itself reads from a checkout are read with a size cap,
// only as regular files inside the checkout, never through a symlink to a device, never from a
// FIFO (which would block the read until a writer comes: forever). Each case must answer at once.

let root: string;
const TOO_BIG = "#".repeat(CHECKOUT_FILE_MAX_BYTES + 1);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "sluice-checkout-"));
  writeFileSync(join(root, "main.tf"), 'module "m" {\n  source = "./mod"\n}\n');
  symlinkSync("main.tf", join(root, "alias.tf"));
  symlinkSync("/dev/zero", join(root, "zero.tf"));
  execFileSync("mkfifo", [join(root, "fifo.tf")]);
  symlinkSync("fifo.tf", join(root, "to-fifo.tf"));
  writeFileSync(join(root, "big.tf"), TOO_BIG);
  symlinkSync("/etc/hostname", join(root, "server.tf"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("readCheckoutFile", () => {
  it("reads a regular file, also through a symlink that stays inside the checkout", () => {
    expect(readCheckoutFile(root, "main.tf")).toMatchObject({ ok: true, text: expect.stringContaining("./mod") });
    expect(readCheckoutFile(root, "alias.tf")).toMatchObject({ ok: true, text: expect.stringContaining("./mod") });
    expect(readCheckoutFile(root, join(root, "main.tf"))).toMatchObject({ ok: true });
  });

  const refused: [string, string, RegExp][] = [
    ["a symlink to /dev/zero", "zero.tf", /^`zero\.tf` is a symlink that leads outside the checkout/],
    ["a symlink to a server file", "server.tf", /^`server\.tf` is a symlink that leads outside the checkout/],
    ["a FIFO", "fifo.tf", /^`fifo\.tf` is not a regular file \(a FIFO, device/],
    ["a symlink to a FIFO", "to-fifo.tf", /^`to-fifo\.tf` is not a regular file/],
    ["a file over the cap", "big.tf", /^`big\.tf` is 1048577 bytes, larger than the 1048576 bytes Sluice reads/],
    ["a missing file", "nope.tf", /^`nope\.tf` does not exist/],
    ["a directory", ".", /is not a regular file/],
  ];
  it.each(refused)("refuses %s at once, with a clear message", (_name, file, message) => {
    const read = readCheckoutFile(root, file);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.message).toMatch(message);
  });

  it("a file of exactly the cap is read; the cap is configurable", () => {
    writeFileSync(join(root, "edge.tf"), "x".repeat(64));
    expect(readCheckoutFile(root, "edge.tf", 64)).toMatchObject({ ok: true });
    expect(readCheckoutFile(root, "edge.tf", 63)).toMatchObject({ ok: false, problem: "too-large" });
  });
});

describe("callers read through it", () => {
  it("project discovery reads git objects, not the checkout: a symlinked kustomization yields its link text, no refs", async () => {
    // What `git cat-file` gives for a symlink is its target path; a file over the cap is left out.
    const objects = new Map([
      ["k/kustomization.yaml", "/dev/zero"],
      ["ok.tf", 'module "a" {\n  source = "../shared"\n}\n'],
    ]);
    const files = ["big.tf", "ok.tf", "k/kustomization.yaml", "README.md", ".terraform/modules/x/main.tf", "k/Kustomization"];
    const asked: string[][] = [];
    const read = async (select: (path: string) => boolean) => {
      asked.push(files.filter(select));
      return new Map([...objects].filter(([p]) => select(p)));
    };
    const tree = await readRepoTree(read, files);
    expect(Object.fromEntries(tree.tfSources)).toEqual({ ".": ["../shared"] });
    expect(tree.kustomizeRefs.get("k")).toEqual([]);
    // One batch read, only of the files discovery lexes.
    expect(asked).toEqual([["big.tf", "ok.tf", "k/kustomization.yaml", "k/Kustomization"]]);
  });

  it("helm: a Chart.yaml that is a symlink to /dev/zero, a FIFO or too large is refused with the reason", async () => {
    const cases: [string, (chart: string) => void, RegExp][] = [
      [
        "zero",
        (c) => symlinkSync("/dev/zero", join(c, "Chart.yaml")),
        /`charts\/zero\/Chart\.yaml` is a symlink that leads outside the repository/,
      ],
      ["fifo", (c) => execFileSync("mkfifo", [join(c, "Chart.yaml")]), /`charts\/fifo\/Chart\.yaml` is not a regular file/],
      ["big", (c) => writeFileSync(join(c, "Chart.yaml"), TOO_BIG), /`charts\/big\/Chart\.yaml` is 1048577 bytes, larger than/],
    ];
    for (const [name, make, message] of cases) {
      const chart = join(root, "charts", name);
      mkdirSync(chart, { recursive: true });
      make(chart);
      const found = await chartAt(root, `charts/${name}`, [], false);
      expect(found).toMatchObject({ ok: false, failedStep: "checkout", message: expect.stringMatching(message) });
    }
  });

  it("helm: requirements.yaml as a FIFO stops the dependency read with CheckoutFileError instead of blocking", async () => {
    const chart = join(root, "charts", "req");
    mkdirSync(chart, { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v1\nname: req\nversion: 1.0.0\n");
    execFileSync("mkfifo", [join(chart, "requirements.yaml")]);
    const error = await chartDependencies(chart, root).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckoutFileError);
    expect((error as Error).message).toMatch(/`charts\/req\/requirements\.yaml` is not a regular file/);
  });

  it("terraform plugin cache: a FIFO lock file or .tf is treated as 'may download', without blocking", async () => {
    const project = join(root, "tfp");
    mkdirSync(project, { recursive: true });
    execFileSync("mkfifo", [join(project, ".terraform.lock.hcl")]);
    execFileSync("mkfifo", [join(project, "main.tf")]);
    const cache = createPluginCache(join(root, "cache"));
    let ran = false;
    await cache.guard(root, project, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});

describe("terraform plugin cache: only registry providers enter it", () => {
  it("never sets TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE; a project bundling providers runs without the cache", async () => {
    const cacheDir = join(root, "cache2");
    const cache = createPluginCache(cacheDir);
    const plain = join(root, "plain");
    const bundling = join(root, "bundling");
    mkdirSync(plain, { recursive: true });
    mkdirSync(join(bundling, "terraform.d", "plugins"), { recursive: true });
    expect(await cache.envFor(plain)).toEqual({ TF_PLUGIN_CACHE_DIR: cacheDir });
    expect(await cache.envFor(bundling)).toEqual({});
    // Even a dangling symlink named terraform.d counts: terraform would look there.
    const linked = join(root, "linked");
    mkdirSync(linked, { recursive: true });
    symlinkSync("/nonexistent", join(linked, "terraform.d"));
    expect(await cache.envFor(linked)).toEqual({});
  });
});
