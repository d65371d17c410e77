import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** `npm run demo` as a user runs it, with the PATH given. */
async function runDemo(path: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), resolve(ROOT, "test/demo/run-demo.ts")], {
    cwd: ROOT,
    env: { PATH: path, HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((res) => child.once("exit", (c) => res(c)));
  return { code, output };
}

const which = (name: string) => execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();

/** PATH without the directory that holds `binary`; git stays reachable through a link of its own. */
function pathWithout(binary: string): string {
  const dir = resolve(which(binary), "..");
  const keep = mkdtempSync(join(tmpdir(), "sluice-path-"));
  symlinkSync(which("git"), join(keep, "git"));
  return [keep, ...(process.env.PATH ?? "").split(":").filter((d) => d && resolve(d) !== dir)].join(":");
}

describe("npm run demo", () => {
  it("walks through lock, refusal, unaffected project, approval and apply, and exits 0", async () => {
    const r = await runDemo(process.env.PATH ?? "");
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("dns was left alone");
    expect(r.output).toContain("the network is locked by #1");
    expect(r.output).toContain("refused: it needs an approval");
    expect(r.output).toContain("sluice/apply: success");
    // What the demo says of the state is read from the state file itself.
    expect(r.output).toMatch(/The state file \S+network\.tfstate now holds 3 resources/);
    expect(r.output).toMatch(/\+0 ~0 -1 .*planned against the state #1 applied/);
    expect(r.output).toContain("#2 is planned again by itself");
  });

  it("fails when terraform is missing, and says which binary to install", async () => {
    const path = pathWithout("terraform");
    const r = await runDemo(path).finally(() => rm(path.split(":")[0] as string, { recursive: true, force: true }));
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain("the plan of #1 failed");
    expect(r.output).toContain("`terraform` is not installed on this Sluice server");
    expect(r.output).toContain("developer.hashicorp.com/terraform/install");
    expect(r.output).toContain("terraform_binary");
  });
});
