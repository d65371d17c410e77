import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { tfData } from "./tf-repo-files.js";

const run = promisify(execFile);

export interface StandIn {
  /** The dir holding `terraform` (and what it replays). */
  dir: string;
  bin: string;
  remove(): Promise<void>;
}

/**
 * A `terraform` that does no work: it replays what the real one printed and wrote for a
 * two-resource project (made here, in the same run, by the Terraform on PATH). The app and the
 * shell then do everything they do around the tool while the tool itself costs a process start,
 * so their difference is the app's own cost, measured without Terraform's ±10 % in it.
 */
export async function makeStandInTerraform(): Promise<StandIn> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-standin-"));
  const project = join(dir, "project");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    TF_CLI_CONFIG_FILE: join(dir, "terraformrc"),
    TF_DATA_DIR: join(dir, "tfdata"),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
  };
  try {
    await writeFile(env.TF_CLI_CONFIG_FILE, "");
    await run("mkdir", ["-p", project]);
    await writeFile(join(project, "main.tf"), tfData("p", 2, "stand-in"));
    const tf = (args: string[]) => run("terraform", args, { cwd: project, env, maxBuffer: 64 * 1024 * 1024 });
    await writeFile(join(dir, "init.txt"), (await tf(["init", "-input=false", "-no-color"])).stdout);
    await writeFile(join(dir, "plan.txt"), (await tf(["plan", "-input=false", "-no-color", `-out=${join(dir, "plan.bin")}`])).stdout);
    await writeFile(join(dir, "show.json"), (await tf(["show", "-json", "-no-color", join(dir, "plan.bin")])).stdout);
    const version = (await tf(["version", "-json"])).stdout;
    await writeFile(join(dir, "version.txt"), version);
    const bin = join(dir, "terraform");
    await writeFile(
      bin,
      [
        "#!/bin/sh",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS placeholder
        "d=${0%/*}",
        'case "$1" in',
        '  init) cat "$d/init.txt" ;;',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS placeholder
        '  plan) for a; do case "$a" in -out=*) cat "$d/plan.bin" > "${a#-out=}" ;; esac; done; cat "$d/plan.txt" ;;',
        '  show) cat "$d/show.json" ;;',
        '  version) cat "$d/version.txt" ;;',
        '  *) echo "stand-in terraform: $1 is not replayed" >&2; exit 1 ;;',
        "esac",
        "",
      ].join("\n"),
    );
    await chmod(bin, 0o755);
    return { dir, bin, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
