import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { PlanRequest } from "../../runners/runner.js";

// A render is a run's stdout, of which Sluice keeps 64M characters. A render past that was parsed
// as the whole render with its last objects missing: the plan showed (and a Kustomize apply would
// send) a part of what the kustomization makes, as if it were all of it.

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-kustomize-cap-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A kustomization of `configMaps` ConfigMaps, each generated from a file of `lineCount` lines. */
async function project(name: string, configMaps: number, lineCount: number) {
  const dir = join(root, name, "app");
  await mkdir(dir, { recursive: true });
  const line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n";
  const generators = [];
  for (let i = 0; i < configMaps; i++) {
    await writeFile(join(dir, `data-${i}.txt`), line.repeat(lineCount));
    generators.push(`  - name: big-${i}\n    files: [data-${i}.txt]\n    options: {disableNameSuffixHash: true}`);
  }
  await writeFile(join(dir, "kustomization.yaml"), `namespace: prod\nconfigMapGenerator:\n${generators.join("\n")}\n`);
  return join(root, name);
}

async function plan(checkoutDir: string) {
  const req: PlanRequest = {
    project: { name: "app", dir: "app", workspace: "default", runner: "kustomize", kustomize: { namespace: "prod" } },
    checkoutDir,
    dataDir: join(checkoutDir, "..", `${checkoutDir.split("/").at(-1)}-data`),
    extraArgs: [],
    env: {},
    timeoutMs: 300_000,
    redact: (s) => s,
  } as PlanRequest;
  return createKustomizeRunner().plan(req, exec);
}

describe("a Kustomize render over what Sluice keeps of a run", () => {
  it("fails the plan saying the render was too long, instead of planning a part of it", async () => {
    // Four ConfigMaps of 18M characters each: the render is ~74M characters.
    const outcome = await plan(await project("over", 4, 250_000));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.message).toMatch(/^kubectl kustomize \(head\) printed more than 64M characters, more than Sluice keeps/);
  }, 600_000);

  it("control: a render under the cap plans every object", async () => {
    const outcome = await plan(await project("under", 2, 250_000));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.summary.resources.map((r) => r.address)).toEqual(["ConfigMap/prod/big-0", "ConfigMap/prod/big-1"]);
  }, 600_000);
});
