import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
// Inside the repo, so the compiled code finds node_modules as dist/ does.
const OUT = join(ROOT, `.test-dist-explain-${process.pid}`);
const run = promisify(execFile);
let dir: string;
let configPath: string;

beforeAll(() => {
  execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", OUT], { stdio: "pipe" });
  dir = mkdtempSync(join(tmpdir(), "sluice-explain-"));
  configPath = join(dir, "sluice.yaml");
  writeFileSync(
    configPath,
    [
      "apply_requirements: [approved, mergeable]",
      "approvals: 1",
      "allowed_overrides: [automerge]",
      "repos:",
      '  - "acme/*"',
      '  - { id: "acme/prod-*", approvals: 2 }',
      '  - { id: "/^acme/sandbox-.*$/", apply_requirements: [] }',
      "",
    ].join("\n"),
  );
});
afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const explain = (entry: string[], repo: string, config = configPath) =>
  run(entry[0] as string, [...entry.slice(1), "config", "explain", repo], {
    cwd: dir,
    env: { PATH: process.env.PATH, SLUICE_SERVER_CONFIG: config },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe("sluice config explain OWNER/REPO", () => {
  it("package.json's bin is the compiled CLI", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.bin.sluice).toBe("dist/src/cli/sluice.js");
    expect(pkg.scripts.sluice).toBe("tsx src/cli/sluice.ts");
  });

  it.each([
    ["compiled", [process.execPath, join(OUT, "src/cli/sluice.js")]],
    ["from source (npm run sluice)", [join(ROOT, "node_modules/.bin/tsx"), join(ROOT, "src/cli/sluice.ts")]],
  ])("%s: each effective setting with its source", async (_, entry) => {
    const sandbox = await explain(entry, "acme/sandbox-1");
    expect(sandbox.code, sandbox.stderr).toBe(0);
    expect(sandbox.stdout).toContain("acme/sandbox-1: served (repos: repos[0] (acme/*), repos[2] (/^acme/sandbox-.*$/))");
    expect(sandbox.stdout).toMatch(/apply_requirements +\[\] +← repos\[2\] \(id: \/\^acme\/sandbox-\.\*\$\/\)/);
    expect(sandbox.stdout).toMatch(new RegExp(`approvals +1 +← server config ${configPath.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    expect(sandbox.stdout).toMatch(/automerge +false +← default; the repository's own config may override it/);

    const prod = await explain(entry, "acme/prod-db");
    expect(prod.stdout).toMatch(/approvals +2 +← repos\[1\] \(id: acme\/prod-\*\)/);

    const outside = await explain(entry, "other/infra");
    expect(outside.stdout).toContain("other/infra: NOT served");
  });

  it("bad usage and a bad config file: exit code 2 with the reason", async () => {
    const entry = [process.execPath, join(OUT, "src/cli/sluice.js")];
    expect((await explain(entry, "not-a-repo")).code).toBe(2);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, 'repos:\n  - { id: "acme/x", approvals: many }\n');
    const r = await explain(entry, "acme/x", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/repos\.0\.approvals: .*\(line 2\)/);
  });
});
