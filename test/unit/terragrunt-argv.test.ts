import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  terragruntApplyArgv,
  terragruntEnv,
  terragruntPlanArgv,
  terragruntShowJsonArgv,
} from "../../runners/terragrunt/terragrunt-argv.js";
import type { ExecOptions, ExecResult } from "../../runners/exec.js";
import type { Exec } from "../../runners/runner.js";
import { describeTools, findTools, toolProbes } from "../../runners/tool-inventory.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { createTerragruntRunner } from "../../runners/terragrunt/terragrunt-runner.js";

const flags = { tfPath: "terraform1.9", downloadDir: "/data/p/terragrunt-cache" };
const GLOBAL = ["--non-interactive", "--tf-forward-stdout", "--tf-path", "terraform1.9", "--download-dir", "/data/p/terragrunt-cache"];

describe("terragrunt argv (terragrunt's current CLI: no terragrunt- flag prefix, TG_ variables)", () => {
  it("plans to a file, shows it as JSON, applies exactly that file", () => {
    expect(terragruntPlanArgv(flags, "/data/p/plan.tfplan", ["-target=a.b"])).toEqual([
      "plan",
      ...GLOBAL,
      "-input=false",
      "-no-color",
      "-out=/data/p/plan.tfplan",
      "-target=a.b",
    ]);
    expect(terragruntShowJsonArgv(flags, "/data/p/plan.tfplan")).toEqual(["show", ...GLOBAL, "-json", "-no-color", "/data/p/plan.tfplan"]);
    expect(terragruntApplyArgv(flags, "/data/p/plan.tfplan")).toEqual([
      "apply",
      ...GLOBAL,
      "-input=false",
      "-no-color",
      "/data/p/plan.tfplan",
    ]);
  });

  it("sets the same settings as TG_ variables, and no TF_DATA_DIR (each unit has its own copy)", () => {
    expect(terragruntEnv(flags)).toEqual({
      TG_NON_INTERACTIVE: "true",
      TG_TF_PATH: "terraform1.9",
      TG_DOWNLOAD_DIR: "/data/p/terragrunt-cache",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
    });
  });

  it("runs the server's terragrunt_binary with the server's terraform, a project's terraform_binary winning", async () => {
    const calls: { file: string; args: string[]; opts: ExecOptions }[] = [];
    const exec: Exec = async (file, args, opts): Promise<ExecResult> => {
      calls.push({ file, args, opts });
      return { exitCode: 1, timedOut: false, stdout: "boom", stderr: "", durationMs: 0 };
    };
    const runner = createTerragruntRunner({ binary: "/opt/tg/terragrunt", terraformBinary: "tofu" });
    const req = {
      project: { name: ".", dir: ".", workspace: "default", runner: "terragrunt" as const },
      checkoutDir: new URL("../fixtures/terragrunt-stand-in/unit", import.meta.url).pathname,
      dataDir: await mkdtemp(join(tmpdir(), "sluice-tg-argv-")),
      extraArgs: [],
      env: {},
      timeoutMs: 1000,
      redact: (s: string) => s,
    };
    expect(await runner.plan(req, exec)).toMatchObject({
      ok: false,
      failedStep: "plan",
      message: "/opt/tg/terragrunt plan exited with code 1",
    });
    expect(await runner.plan({ ...req, binary: "terraform1.9" }, exec)).toMatchObject({ ok: false });
    expect(calls.map((c) => [c.file, c.args[c.args.indexOf("--tf-path") + 1]])).toEqual([
      ["/opt/tg/terragrunt", "tofu"],
      ["/opt/tg/terragrunt", "terraform1.9"],
    ]);
    expect(calls[0]?.opts.cwd).toBe(req.checkoutDir);
    await rm(req.dataDir, { recursive: true, force: true });
  });
});

describe("terragrunt settings", () => {
  it("a repo may say runner: terragrunt, never which terragrunt binary runs (a server setting only)", () => {
    const ok = loadRepoConfig({ sluice: "version: 1\nprojects:\n  - name: db\n    dir: live/db\n    runner: terragrunt\n" });
    expect(ok.ok && ok.config.projects.map((p) => [p.name, p.runner])).toEqual([["db", "terragrunt"]]);
    const refused = loadRepoConfig({
      sluice: "version: 1\nprojects:\n  - name: db\n    dir: live/db\n    runner: terragrunt\n    terragrunt_binary: /tmp/evil\n",
    });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.errors.join("\n")).toContain("terragrunt_binary");
  });

  it("the server probes terragrunt at start and names it when missing", async () => {
    const probes = toolProbes({ terraform: "terraform", tofu: "tofu", helm: "helm", kubectl: "kubectl", terragrunt: "/opt/terragrunt" });
    const exec: Exec = async (file) => {
      if (file === "/opt/terragrunt") throw new Error("could not start /opt/terragrunt: spawn /opt/terragrunt ENOENT");
      const stdout = file === "terraform" ? '{"terraform_version":"1.11.4"}' : file === "helm" ? "v4.0.1" : "bubblewrap 0.8.0\n";
      return { exitCode: 0, timedOut: false, stdout, stderr: "", durationMs: 0 };
    };
    const found = describeTools(await findTools(probes, exec));
    expect(found.cannotServe).toContain("terragrunt");
    expect(found.message).toMatch(/missing: .*\/opt\/terragrunt \(/);
    const probe = probes.find((p) => p.binary === "/opt/terragrunt");
    expect(probe?.version("terragrunt version v0.77.1\n")).toBe("0.77.1");
  });
});
