import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizePlan } from "../../runners/terraform/summarize-plan.js";
import { withTeardown } from "../../runners/terraform/teardown.js";
import type { PlanJson } from "../../runners/terraform/plan-json-schema.js";

const run = promisify(execFile);

// A teardown is measured against the prior state the plan file holds (terraform wrote it), not
// the one `show -json` printed: a provider writing into show's output could list resources the
// state does not hold, and so make a teardown look like a partial delete.
let dir = "";
let planFile = "";
let json: PlanJson;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-teardown-"));
  const env = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc") };
  await writeFile(join(dir, "none.tfrc"), "");
  const tf = (...args: string[]) => run("terraform", [...args, "-no-color"], { cwd: dir, env, maxBuffer: 64 * 1024 ** 2 });
  const resources = (names: string[]) => names.map((n) => `resource "terraform_data" "${n}" {\n  input = "${n}"\n}\n`).join("\n");
  await writeFile(join(dir, "main.tf"), resources(["a", "b", "c"]));
  await tf("init", "-input=false");
  await tf("apply", "-auto-approve", "-input=false");
  // The code emptied, one throwaway created.
  await writeFile(join(dir, "main.tf"), resources(["keep"]));
  planFile = join(dir, "tfplan");
  await tf("plan", "-input=false", `-out=${planFile}`);
  json = JSON.parse((await tf("show", "-json", planFile)).stdout) as PlanJson;
}, 120_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The JSON with `extra` resources its prior state does not hold listed in it. */
function forged(extra: number): PlanJson {
  const copy = structuredClone(json);
  const root = copy.prior_state?.values?.root_module;
  if (!root?.resources) throw new Error("the plan JSON has no prior state");
  for (let i = 0; i < extra; i++)
    root.resources.push({ address: `terraform_data.fake_${i}`, mode: "managed", type: "terraform_data", name: `fake_${i}` });
  return copy;
}

describe("a teardown's prior state", () => {
  it("is read from the plan file: a JSON listing ten more resources does not make it partial", async () => {
    const shown = summarizePlan(forged(10));
    if (!shown.ok) throw new Error(shown.error);
    expect((await withTeardown(shown.summary, planFile, forged(10))).teardown).toEqual({ destroys: 3, held: 3 });
  });

  it("control: without a plan file Sluice can read, the JSON's prior state is what counts", async () => {
    const shown = summarizePlan(json);
    if (!shown.ok) throw new Error(shown.error);
    const missing = join(dir, "no-such-plan");
    expect((await withTeardown(shown.summary, missing, json)).teardown).toEqual({ destroys: 3, held: 3 });
    expect((await withTeardown(shown.summary, missing, forged(10))).teardown).toBeUndefined();
  });
});
