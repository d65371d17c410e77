import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExecOptions, exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { Exec, PlanRequest } from "../../runners/runner.js";
import { installHelm } from "../../scripts/install-helm.js";
import { fixtureCheckouts } from "../support/fixture-files.js";

/**
 * A Helm or Kustomize render whose dirs are over the disk limit at its end (a chart download, a
 * file already there) fails the plan, as a Terraform step does: it exited 0 and nothing stopped it,
 * so only the measure at its end sees the hit.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const LIMIT = 2 * 1024 * 1024;
let helmPath = "";
let root = "";
let n = 0;

beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-render-disk-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** The limits without bwrap (`sandbox: off` keeps them) over the checkouts and the data dir. */
const limited =
  (dirs: string[]): Exec =>
  (file, args, opts: ExecOptions) =>
    exec(file, args, { ...opts, sandbox: { limits: { diskBytes: LIMIT }, diskDirs: dirs } });

const request = (project: PlanRequest["project"], dirs: { head: string; base?: string; dataDir: string }): PlanRequest => ({
  project,
  checkoutDir: dirs.head,
  ...(dirs.base ? { baseCheckoutDir: dirs.base } : {}),
  dataDir: dirs.dataDir,
  extraArgs: [],
  env: {},
  timeoutMs: 60_000,
  redact: (s) => s,
});

async function helmPlan(bigBytes: number) {
  const dirs = await fixtureCheckouts(join(root, String(++n)), FIXTURE, "charts/web", undefined, true);
  await writeFile(join(dirs.head, "big"), Buffer.alloc(bigBytes));
  const project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } } as const;
  return createHelmRunner({ helmBinary: helmPath }).plan(request(project, dirs), limited([dirs.head, dirs.dataDir]));
}

async function kustomizePlan(bigBytes: number) {
  const head = join(root, String(++n), "checkout");
  const dataDir = join(root, String(n), "data");
  await mkdir(join(head, "app"), { recursive: true });
  await mkdir(dataDir);
  await writeFile(join(head, "app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n");
  await writeFile(join(head, "app/kustomization.yaml"), "namespace: prod\nresources: [cm.yaml]\n");
  await writeFile(join(head, "big"), Buffer.alloc(bigBytes));
  const project = { name: "app", dir: "app", workspace: "default", runner: "kustomize", kustomize: { namespace: "prod" } } as const;
  return createKustomizeRunner().plan(request(project, { head, dataDir }), limited([head, dataDir]));
}

describe("a render over the disk limit at its end", () => {
  it("helm: fails the plan at the render, saying the disk limit", async () => {
    const outcome = await helmPlan(3_000_000);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(/^helm template \(head\) .*disk limit \(2 MiB\)/);
  });

  it("helm control: under the limit it plans", async () => {
    const outcome = await helmPlan(100_000);
    if (!outcome.ok) throw new Error(`${outcome.failedStep}: ${outcome.message}\n${outcome.output}`);
  });

  it("kustomize: fails the plan at the build, saying the disk limit", async () => {
    const outcome = await kustomizePlan(3_000_000);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message).toMatch(/^kubectl kustomize \(head\) .*disk limit \(2 MiB\)/);
  });

  it("kustomize control: under the limit it plans", async () => {
    const outcome = await kustomizePlan(100_000);
    if (!outcome.ok) throw new Error(`${outcome.failedStep}: ${outcome.message}\n${outcome.output}`);
    expect(outcome.summary.resources.map((r) => r.address)).toEqual(["ConfigMap/prod/cfg"]);
  });
});
