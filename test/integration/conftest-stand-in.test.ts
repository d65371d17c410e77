import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPolicyCheck } from "../../runners/conftest/run-policy-check.js";
import { exec } from "../../runners/exec.js";

// conftest cannot be installed here: the stand-in takes its documented arguments and prints its
// documented JSON and exit codes (README: real conftest was not run).
const STAND_IN = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));

describe("runPolicyCheck with the conftest stand-in", () => {
  let dir: string;
  let showFile: string;
  const set = async (name: string, rule: unknown) => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, "rule.json"), typeof rule === "string" ? rule : JSON.stringify(rule));
    return { name, path: join(dir, name) };
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-conftest-"));
    showFile = join(dir, "plan.tfplan.json");
    const plan = {
      format_version: "1.2",
      resource_changes: [
        { address: "terraform_data.db", type: "terraform_data", change: { actions: ["create"], after: { input: "hunter2-secret" } } },
      ],
    };
    await writeFile(showFile, JSON.stringify(plan));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes, fails, and fails closed on errors, per set; output is redacted", async () => {
    const sets = [
      await set("ok", { deny: [{ type: "aws_instance", msg: "no instances" }] }),
      await set("deny", { deny: [{ type: "terraform_data", action: "create", msg: "{address} may not be created (hunter2-secret)" }] }),
      await set("other_ns", { namespace: "tags", deny: [{ type: "terraform_data", msg: "never evaluated: not in namespace main" }] }),
      await set("crash", { exit: 2 }),
      await set("garbled", { garble: true }),
      await set("unparsable", "{ not json"),
      { name: "missing_dir", path: join(dir, "nope") },
    ];
    const result = await runPolicyCheck(
      exec,
      { binary: STAND_IN, sets, extraArgs: [] },
      { showFile, env: {}, timeoutMs: 30_000, redact: (t) => t.replaceAll("hunter2-secret", "[redacted]") },
    );
    expect(result.sets.map((s) => [s.name, s.status])).toEqual([
      ["ok", "passed"],
      ["deny", "failed"],
      ["other_ns", "error"],
      ["crash", "error"],
      ["garbled", "error"],
      ["unparsable", "error"],
      ["missing_dir", "error"],
    ]);
    expect(result.sets[1]).toMatchObject({ failures: ["terraform_data.db may not be created ([redacted])"] });
    expect(result.sets[2]).toMatchObject({ message: expect.stringContaining("evaluated no rule") });
    expect(result.sets[3]).toMatchObject({ message: expect.stringContaining("conftest exited with code 2") });
    expect(result.sets[5]).toMatchObject({ message: expect.stringContaining("rego_parse_error") });
  });

  it("--fail-on-warn: a failure (conftest exits 2) is a failed set, warnings alone (exit 1) too", async () => {
    const sets = [
      await set("deny", { deny: [{ type: "terraform_data", action: "create", msg: "{address} may not be created" }] }),
      await set("warn", { warn: [{ type: "terraform_data", msg: "{address} should be tagged" }] }),
    ];
    const r = await runPolicyCheck(
      exec,
      { binary: STAND_IN, sets, extraArgs: ["--fail-on-warn"] },
      { showFile, env: {}, timeoutMs: 30_000, redact: (t) => t },
    );
    expect(r.sets).toEqual([
      { name: "deny", status: "failed", successes: 0, failures: ["terraform_data.db may not be created"], warnings: [] },
      { name: "warn", status: "failed", successes: 0, failures: ["terraform_data.db should be tagged"], warnings: [] },
    ]);
  });

  it("a namespace given in extra args selects that namespace's rules", async () => {
    const sets = [await set("tags_only", { namespace: "tags", deny: [{ type: "terraform_data", msg: "tag it" }] })];
    const r = await runPolicyCheck(
      exec,
      { binary: STAND_IN, sets, extraArgs: ["--namespace", "tags"] },
      { showFile, env: {}, timeoutMs: 30_000, redact: (t) => t },
    );
    expect(r.sets[0]).toMatchObject({ status: "failed", failures: ["tag it"] });
  });

  it("a conftest binary that does not exist fails closed", async () => {
    const sets = [await set("any", { deny: [] })];
    const r = await runPolicyCheck(
      exec,
      { binary: join(dir, "no-conftest"), sets, extraArgs: [] },
      { showFile, env: {}, timeoutMs: 30_000, redact: (t) => t },
    );
    expect(r.sets[0]).toMatchObject({ name: "any", status: "error", message: expect.stringContaining("could not start") });
  });
});
