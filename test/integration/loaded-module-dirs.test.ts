import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadedModuleDirs, manifestModuleDirs, MODULE_MANIFEST } from "../../runners/terraform/loaded-module-dirs.js";
import { projectFiles } from "../../src/projects/project-files.js";

describe("manifestModuleDirs", () => {
  it("reads every module's Dir, and nothing from what is not a manifest", () => {
    const manifest = JSON.stringify({
      Modules: [
        { Key: "", Source: "", Dir: "." },
        { Key: "net", Source: "../modules/net", Dir: "../modules/net" },
        { Key: "net.sub", Source: "./sub", Dir: "../modules/net/sub" },
        { Key: "again", Source: "../modules/net", Dir: "../modules/net" },
        { Key: "nul", Dir: "a\0b" },
        { Key: "no-dir" },
      ],
    });
    expect(manifestModuleDirs(manifest)).toEqual([".", "../modules/net", "../modules/net/sub"]);
    for (const bad of ["", "not json", "[]", '{"Modules": "x"}', '{"Modules": [{"Dir": 3}]}'])
      expect(manifestModuleDirs(bad)).toBeUndefined();
  });
});

describe("loadedModuleDirs", () => {
  let root: string;
  let checkout: string;
  let data: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "sluice-manifest-"));
    checkout = join(root, "checkout");
    data = join(root, "data", ".terraform");
    for (const d of ["app", "modules/net/sub", "modules/dns"]) await mkdir(join(checkout, d), { recursive: true });
    await mkdir(join(data, "modules"), { recursive: true });
    await mkdir(join(root, "elsewhere"));
    // A link inside the checkout to a module inside it counts as its target; one leading out does not count.
    await symlink("../modules/dns", join(checkout, "app", "dns-link"));
    await symlink(join(root, "elsewhere"), join(checkout, "app", "out-link"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const manifest = (dirs: string[]) =>
    writeFile(join(data, MODULE_MANIFEST), JSON.stringify({ Modules: dirs.map((Dir, i) => ({ Key: `m${i}`, Source: Dir, Dir })) }));

  it("keeps only the dirs that resolve inside the checkout, as repo dirs", async () => {
    await manifest([
      ".",
      "../modules/net",
      "../modules/net/sub",
      "dns-link",
      "out-link",
      "../../elsewhere",
      "../../..",
      root,
      join(data, "modules", "remote"),
      "../modules/missing",
    ]);
    expect(await loadedModuleDirs(data, checkout, join(checkout, "app"))).toEqual(["app", "modules/dns", "modules/net", "modules/net/sub"]);
  });

  it("reads no manifest the run replaced by a symlink, a FIFO or a huge file", async () => {
    const file = join(data, MODULE_MANIFEST);
    await writeFile(join(root, "elsewhere", "m.json"), JSON.stringify({ Modules: [{ Dir: "../modules/net" }] }));
    await symlink(join(root, "elsewhere", "m.json"), file);
    expect(await loadedModuleDirs(data, checkout, join(checkout, "app"))).toEqual([]);
    await rm(file);
    execFileSync("mkfifo", [file]);
    expect(await loadedModuleDirs(data, checkout, join(checkout, "app"))).toEqual([]);
    await rm(file);
    await writeFile(file, `{"Modules": [{"Dir": "../modules/net"}], "pad": "${"x".repeat(2 * 1024 * 1024)}"}`);
    expect(await loadedModuleDirs(data, checkout, join(checkout, "app"))).toEqual([]);
    await rm(file);
    expect(await loadedModuleDirs(data, checkout, join(checkout, "app"))).toEqual([]);
  });
});

describe("projectFiles", () => {
  const files = [
    "net/main.tf",
    "net/policies/rules.json",
    "net/policies/empty.tf",
    "net/sub/main.tf",
    "net/sub/x.json",
    "modules/m/main.tf",
  ];
  const base = new Set(["net", "net/sub", "modules/m"]);

  it("leaves a nested project's files out only when it is nested in every view", () => {
    // The head has an added .tf in net/policies: nested there, not on the base.
    const head = new Set(["net", "net/policies", "net/sub", "modules/m"]);
    expect(projectFiles(files, ["net"], [base, head])).toEqual(["net/main.tf", "net/policies/rules.json", "net/policies/empty.tf"]);
    // The head removed net/sub's .tf files: its other files are net's again.
    const removed = new Set(["net", "modules/m"]);
    expect(projectFiles(files, ["net"], [base, removed])).toContain("net/sub/x.json");
    expect(projectFiles(files, ["net", "modules/m"], [base])).toEqual([
      "net/main.tf",
      "net/policies/rules.json",
      "net/policies/empty.tf",
      "modules/m/main.tf",
    ]);
    expect(projectFiles(files, ["net/sub"], [base, head])).toEqual(["net/sub/main.tf", "net/sub/x.json"]);
  });
});
