import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import type { ApplyRequest, PlanRequest } from "../../runners/runner.js";
import { NO_KUBECONFIG } from "../../runners/k8s/k8s-plan-request.js";
import { appliedObjectsOf, isReadBack } from "../support/applied-objects.js";
import { kubectlApplyArgv, kubectlDeleteArgv, kubectlDryRunApplyArgv, kubectlGetLiveArgv } from "../../runners/kustomize/kustomize-argv.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { KustomizeProject, KustomizeProjectSettings } from "../../runners/kustomize/kustomize-settings.js";
import type { Exec, PlanOutcome } from "../../runners/runner.js";
import { edit, fixtureCheckouts } from "../support/fixture-files.js";
import { planned } from "../support/live-diff.js";

/** Real `kubectl kustomize` on two copies of the fixture (base + overlay); apply runs against a fake exec. */
const FIXTURE = fileURLToPath(new URL("../fixtures/kustomize/app/", import.meta.url));
const API_KEY = "fixture-api-key-1";
const PROJECT_DIR = "deploy/overlays/prod";

let root = "";
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-kustomize-test-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const checkouts = (change?: (head: string) => Promise<void>, opts: { base?: boolean } = {}) =>
  fixtureCheckouts(join(root, String(++n)), FIXTURE, "deploy", change, opts.base !== false);

const project = (kustomize: KustomizeProjectSettings = { namespace: "prod" }): KustomizeProject => ({
  name: "prod",
  dir: PROJECT_DIR,
  workspace: "default",
  runner: "kustomize",
  kustomize,
});

async function plan(dirs: { base: string; head: string; dataDir: string }, settings?: KustomizeProjectSettings) {
  let logged = "";
  const argvs: string[][] = [];
  const recording: Exec = (file, args, o) => {
    argvs.push(args);
    return exec(file, args, o);
  };
  const req: PlanRequest = {
    project: project(settings),
    checkoutDir: dirs.head,
    baseCheckoutDir: dirs.base,
    dataDir: dirs.dataDir,
    extraArgs: [],
    env: {},
    timeoutMs: 60_000,
    redact: (s) => s,
    onOutput: (c) => {
      logged += c;
    },
  };
  const outcome = await createKustomizeRunner().plan(req, recording);
  return { outcome, logged, argvs };
}

const addresses = (o: PlanOutcome) => planned(o).summary.resources.map((r) => `${r.action} ${r.address}`);

describe("kustomize runner (real kubectl kustomize)", () => {
  it("finds no change between equal checkouts; renders the head once and the base twice (to find regenerated fields)", async () => {
    const run = await plan(await checkouts());
    expect(planned(run.outcome).summary.hasChanges).toBe(false);
    expect(run.argvs).toEqual([
      ["kustomize", expect.stringMatching(/head\/deploy\/overlays\/prod$/)],
      ["kustomize", expect.stringMatching(/base\/deploy\/overlays\/prod$/)],
      ["kustomize", expect.stringMatching(/base\/deploy\/overlays\/prod$/)],
    ]);
  });

  it("shows exactly the changed field of a patch in the overlay", async () => {
    const run = await plan(await checkouts((d) => edit(join(d, "overlays/prod/replicas.yaml"), "replicas: 3", "replicas: 5")));
    expect(addresses(run.outcome)).toEqual(["update Deployment/prod/api"]);
    expect(
      planned(run.outcome)
        .output.split("\n")
        .filter((l) => /^[-+]/.test(l)),
    ).toEqual(["-  replicas: 3", "+  replicas: 5"]);
  });

  it("shows a change in the shared base through the overlay, and a new resource as a create", async () => {
    const run = await plan(
      await checkouts(async (d) => {
        await edit(join(d, "base/deployment.yaml"), "api:1.0.0", "api:1.1.0");
        await writeFile(join(d, "base/account.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n");
        await edit(join(d, "base/kustomization.yaml"), "  - service.yaml\n", "  - service.yaml\n  - account.yaml\n");
      }),
    );
    expect(addresses(run.outcome)).toEqual(["create ServiceAccount/prod/api", "update Deployment/prod/api"]);
    expect(planned(run.outcome).output).toContain(
      "-          image: ghcr.io/example/api:1.0.0\n+          image: ghcr.io/example/api:1.1.0\n",
    );
  });

  it("shows a generated Secret's value change as a hash change, never the value", async () => {
    const run = await plan(await checkouts((d) => edit(join(d, "overlays/prod/kustomization.yaml"), API_KEY, "fixture-api-key-2")));
    expect(addresses(run.outcome)).toEqual(["update Secret/prod/api-credentials"]);
    const out = planned(run.outcome);
    expect(out.output).toMatch(/- {2}API_KEY: hmac:[0-9a-f]{12}\n\+ {2}API_KEY: hmac:[0-9a-f]{12}\n/);
    const shown = JSON.stringify({ ...out, summary: out.summary.resources }) + run.logged;
    for (const v of [API_KEY, "fixture-api-key-2"]) {
      expect(shown).not.toContain(v);
      expect(shown).not.toContain(Buffer.from(v).toString("base64"));
      expect(out.summary.sensitiveValues).toContain(v);
    }
  });

  it("treats an overlay that is new in the PR as all creates", async () => {
    const run = await plan(await checkouts(undefined, { base: false }));
    expect(addresses(run.outcome)).toEqual(["create Deployment/prod/api", "create Secret/prod/api-credentials", "create Service/prod/api"]);
  });

  it("counts differences hidden by ignore rules", async () => {
    const run = await plan(await checkouts((d) => edit(join(d, "base/deployment.yaml"), "api:1.0.0", "api:1.1.0")), {
      namespace: "prod",
      ignore: ["spec.template.spec.containers.*.image"],
    });
    expect(planned(run.outcome).output).toBe(
      "No changes: kustomize renders the same objects at base and head.\n\n1 change hidden by ignore rules: `spec.template.spec.containers.*.image` (1 object)\n" +
        "\nChanged only in fields this project's ignore rules hide, and counted as changed by the rules that read the plan (`protect`, `auto_approve`): `Deployment/prod/api`\n",
    );
    // A new image is a change whatever the text hides: no empty plan for auto_approve.
    expect(planned(run.outcome).summary.hasChanges).toBe(true);
  });

  it("fails with kustomize's message on a broken kustomization", async () => {
    const run = await plan(await checkouts((d) => edit(join(d, "overlays/prod/kustomization.yaml"), "../../base", "../../missing")));
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "build (head)" });
    if (!run.outcome.ok) expect(run.outcome.output).toMatch(/missing/);
  });

  it("fails when the dir has no kustomization", async () => {
    const dirs = await checkouts();
    const outcome = await createKustomizeRunner().plan(
      {
        project: { ...project(), dir: "deploy" },
        checkoutDir: dirs.head,
        dataDir: dirs.dataDir,
        extraArgs: [],
        env: {},
        timeoutMs: 60_000,
        redact: (s) => s,
      },
      exec,
    );
    expect(outcome).toMatchObject({ ok: false, failedStep: "checkout", message: "`deploy` has no kustomization.yaml" });
  });
});

describe("kustomize apply (fake exec: no cluster here)", () => {
  async function planThenApply(
    change: (head: string) => Promise<void>,
    kubeconfig?: string,
    /** What `kubectl get` finds after the apply, from what a cluster holding the apply would print. */
    live: (text: string) => string | undefined = (text) => text,
  ) {
    const dirs = await checkouts(change);
    const out = planned((await plan(dirs)).outcome);
    const calls: string[][] = [];
    const gently: boolean[] = [];
    // A cluster that holds what was applied, as the read-back after the apply finds it.
    const fake: Exec = async (_file, args, opts) => {
      calls.push(args);
      gently.push(opts?.stopGently === true);
      if (!isReadBack(args)) return { exitCode: 0, timedOut: false, stdout: `${args[0]} ok\n`, stderr: "", durationMs: 1 };
      const applied = await appliedObjectsOf(args);
      const found = args[0] === "get" ? live(applied) : applied;
      if (found === undefined)
        return { exitCode: 1, timedOut: false, stdout: "", stderr: "error: the server is unreachable\n", durationMs: 1 };
      return { exitCode: 0, timedOut: false, stdout: found, stderr: "", durationMs: 1 };
    };
    const req: ApplyRequest = {
      project: project(),
      checkoutDir: dirs.head,
      dataDir: dirs.dataDir,
      planFile: out.planFile,
      env: {},
      timeoutMs: 60_000,
      redactWith: () => (s) => s,
      ...(kubeconfig ? { kubeconfig } : {}),
    };
    const result = await createKustomizeRunner().apply(req, fake);
    return { result, calls, gently, dataDir: dirs.dataDir, planFile: out.planFile };
  }

  it("applies the saved render server-side, then deletes what the plan deleted", async () => {
    const { result, calls, gently, dataDir, planFile } = await planThenApply(
      (d) => edit(join(d, "base/kustomization.yaml"), "  - service.yaml\n", ""),
      "/etc/sluice/kube/acme.yaml",
    );
    // Both change the cluster: a limit stops them as a timeout does; the read-back only reads.
    expect(gently).toEqual([true, true, false, false]);
    const target = { kubeconfig: "/etc/sluice/kube/acme.yaml", namespace: "prod" };
    const deletions = join(dataDir, "deletions.yaml");
    expect(calls).toEqual([
      kubectlApplyArgv(planFile, target),
      kubectlDeleteArgv(deletions, target),
      // Read back: the objects now, the deleted one among them (gone), and the same apply dry run.
      kubectlGetLiveArgv([planFile, deletions], target),
      kubectlDryRunApplyArgv(planFile, target),
    ]);
    expect(calls[0]).toEqual([
      "apply",
      "--server-side",
      "--field-manager=sluice",
      "--kubeconfig",
      "/etc/sluice/kube/acme.yaml",
      "--namespace",
      "prod",
      "-f",
      planFile,
    ]);
    // One hashed plan file carries both what is applied and what is deleted.
    expect((await readFile(planFile, "utf8")).split("\n")[0]).toBe(
      '# sluice:delete {"apiVersion":"v1","kind":"Service","namespace":"prod","name":"api"}',
    );
    expect(await readFile(deletions, "utf8")).toBe(
      '---\napiVersion: "v1"\nkind: "Service"\nmetadata:\n  name: "api"\n  namespace: "prod"\n',
    );
    expect((await stat(deletions)).mode & 0o777).toBe(0o600);
    expect(result).toMatchObject({ ok: true, output: "apply ok\ndelete ok\n" });
    expect(result.sensitiveValues).toContain(API_KEY);
  });

  it("only applies when nothing is deleted", async () => {
    const { calls } = await planThenApply((d) => edit(join(d, "base/deployment.yaml"), "api:1.0.0", "api:1.1.0"), "/k");
    expect(calls.map((c) => c.slice(0, 2).join(" "))).toEqual(["apply --server-side", "get --ignore-not-found", "apply --server-side"]);
    expect(calls[2]).toContain("--dry-run=server");
  });

  it("is reported applied only when the objects read back are what was applied and the deleted ones are gone", async () => {
    const newImage = (d: string) => edit(join(d, "base/deployment.yaml"), "api:1.0.0", "api:1.1.0");
    // Another actor (a controller, a person, an admission webhook) set the image back right after.
    const reverted = await planThenApply(newImage, "/k", (text) => text.replace("api:1.1.0", "api:1.0.0"));
    expect(reverted.result).toMatchObject({ ok: false, output: "apply ok\n" });
    const message = reverted.result.ok ? "" : reverted.result.message;
    expect(message).toContain("kubectl apply exited 0, but the objects read back from the cluster are not what was applied");
    expect(message).toContain("differs at Deployment/prod/api");
    expect(message).toContain("not reported applied");
    expect(message).not.toContain(API_KEY);
    // An object the plan deleted still there (a finalizer holding it, a re-creation).
    const service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: prod\nspec:\n  ports: [{ port: 80 }]\n";
    const kept = await planThenApply(
      (d) => edit(join(d, "base/kustomization.yaml"), "  - service.yaml\n", ""),
      "/k",
      (text) => `${text}\n---\n${service}`,
    );
    expect(kept.result.ok ? "" : kept.result.message).toContain("still holds Service/prod/api");
    // The cluster unreachable for the read-back: no confirmation either.
    const unreachable = await planThenApply(newImage, "/k", () => undefined);
    expect(unreachable.result.ok ? "" : unreachable.result.message).toContain("the objects could not be read back (kubectl get");
    // Control: read back as applied.
    const applied = await planThenApply(newImage, "/k");
    expect(applied.result).toMatchObject({ ok: true, output: "apply ok\n" });
  });

  it("refuses without a kubeconfig", async () => {
    const { result, calls } = await planThenApply(async () => undefined);
    expect(result).toMatchObject({ ok: false, message: NO_KUBECONFIG });
    expect(calls).toEqual([]);
  });
});
