import type { Project } from "../../src/model/project.js";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";

import { installHelm } from "../../scripts/install-helm.js";
import { fakeHelmCluster, type fakeRelease } from "../support/helm-dry-run.js";
import { NO_KUBECONFIG } from "../../runners/k8s/k8s-plan-request.js";
import type { ApplyRequest } from "../../runners/runner.js";
import type { Exec } from "../../runners/runner.js";

/**
 * Apply with real `helm template` (the re-render check) and a fake `helm upgrade`: there is no
 * cluster here, so the upgrade is asserted by its argv only.
 */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const PASSWORD = "fixture-db-password-1";
const TOKEN = "fixture-token-for-apply";

let helmPath = "";
let root = "";
let n = 0;
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-apply-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const project: Project = {
  name: "web",
  dir: "charts/web",
  workspace: "default",
  runner: "helm",
  helm: { namespace: "apps", values: ["values-prod.yaml"], set: { replicaCount: 3 } },
};

async function planned() {
  const dir = join(root, String(++n));
  const head = join(dir, "head");
  await cp(FIXTURE, join(head, "charts/web"), { recursive: true });
  const dataDir = join(dir, "data");
  const runner = createHelmRunner({ helmBinary: helmPath });
  const outcome = await runner.plan(
    {
      project,
      checkoutDir: head,
      dataDir,
      extraArgs: [],
      env: {},
      timeoutMs: 60_000,
      redact: (s) => s,
      secretSet: { apiToken: TOKEN },
    } as Parameters<typeof runner.plan>[0],
    exec,
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return { runner, head, dataDir, planFile: outcome.planFile };
}

async function apply(
  p: Awaited<ReturnType<typeof planned>>,
  kubeconfig: string | undefined,
  /** What happens to the release once the upgrade exited 0, before Sluice reads it back. */
  afterUpgrade?: (release: ReturnType<typeof fakeRelease>) => void,
) {
  const calls: string[][] = [];
  const gently: boolean[] = [];
  let redactedWith: string[] = [];
  // No release yet: the cluster answers as helm does, and keeps what the upgrade deploys.
  const cluster = fakeHelmCluster(helmPath, { afterUpgrade });
  // Real helm for everything but the upgrade, which would need a cluster.
  const fake: Exec = (file, args, opts) => {
    calls.push(args);
    gently.push(opts?.stopGently === true);
    return cluster.exec(file, args, opts);
  };
  const req: ApplyRequest = {
    project,
    checkoutDir: p.head,
    dataDir: p.dataDir,
    planFile: p.planFile,
    env: {},
    timeoutMs: 60_000,
    redactWith: (values) => {
      redactedWith = values;
      return (s) => s;
    },
    secretSet: { apiToken: TOKEN },
    ...(kubeconfig ? { kubeconfig } : {}),
  };
  const result = await p.runner.apply(req, fake);
  return { result, calls, gently, redactedWith: () => redactedWith };
}

describe("helm apply", () => {
  it("re-renders, finds the saved plan unchanged, and runs upgrade --install --atomic --wait", async () => {
    const p = await planned();
    const { result, calls, gently, redactedWith } = await apply(p, "/etc/sluice/kube/acme.yaml");
    expect(result).toMatchObject({ ok: true, output: 'Release "web" has been upgraded.\n' });
    // Rendered twice: fields regenerated on every render are left out of the check against the plan.
    // The upgrade's own server-side dry run renders what was planned, and deletes nothing the plan
    // did not show deleted (the release's manifest), before the upgrade runs.
    expect(calls.map((c) => c.slice(0, 2).join(" "))).toEqual([
      "template web",
      "template web",
      "upgrade --install",
      "get manifest",
      "upgrade --install",
      // The release read back: what the cluster keeps is what was planned.
      "get manifest",
    ]);
    expect(calls[2]).toContain("--dry-run=server");
    // Only the upgrade changes the cluster: a limit stops it gently, so helm can mark the release failed.
    expect(gently).toEqual([false, false, false, false, true, false]);
    const upgrade = calls[4] ?? [];
    // Server secrets are among the values: the chart's NOTES are not printed (they could show them).
    expect(upgrade.slice(0, 9)).toEqual([
      "upgrade",
      "--install",
      "--atomic",
      "--wait",
      "--hide-notes",
      "web",
      expect.stringMatching(/head\/charts\/web$/),
      "--namespace",
      "apps",
    ]);
    expect(upgrade.slice(-2)).toEqual(["--kubeconfig", "/etc/sluice/kube/acme.yaml"]);
    expect(upgrade).toEqual(expect.arrayContaining(["--set-json", "replicaCount=3", "--set-file"]));
    expect(upgrade.find((a) => a.endsWith("values-prod.yaml"))).toBeDefined();
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
    expect(result.sensitiveValues).toEqual(expect.arrayContaining([TOKEN, PASSWORD]));
    expect(redactedWith()).toEqual(expect.arrayContaining([TOKEN, PASSWORD]));
  });

  it("applies a copy of the saved plan in a fresh data dir (another replica, from the store's bytes)", async () => {
    const p = await planned();
    const copyDir = await mkdtemp(join(root, "copy-"));
    await cp(p.planFile, join(copyDir, "rendered.yaml"));
    await rm(p.dataDir, { recursive: true, force: true });
    const { result, calls } = await apply({ ...p, dataDir: copyDir, planFile: join(copyDir, "rendered.yaml") }, "/k");
    expect(result).toMatchObject({ ok: true });
    expect(calls.map((c) => c[0])).toEqual(["template", "template", "upgrade", "get", "upgrade", "get"]);
  });

  it("refuses when the chart renders differently from the saved plan", async () => {
    const p = await planned();
    const values = join(p.head, "charts/web/values.yaml");
    await writeFile(values, (await readFile(values, "utf8")).replace("greeting: hello", "greeting: changed"));
    const { result, calls } = await apply(p, "/k");
    expect(result).toMatchObject({
      ok: false,
      message:
        "the chart no longer renders what was planned (update ConfigMap/apps/web-web, update Deployment/apps/web-web); run /plan again",
    });
    expect(calls.map((c) => c[0])).toEqual(["template", "template"]);
  });

  it("an upgrade that exits 0 is reported applied only when the release read back holds what was planned", async () => {
    // Another upgrade (an operator's rollback, a second deployer) changed the release before it was read back.
    const p = await planned();
    const rolledBack = await apply(p, "/k", (release) => {
      const manifest = release.get().stdout;
      release.replace(manifest.replace(/replicas: 3/, "replicas: 1"));
    });
    expect(rolledBack.result).toMatchObject({ ok: false });
    const message = rolledBack.result.ok ? "" : rolledBack.result.message;
    expect(message).toContain("helm upgrade exited 0, but the release read back from the cluster is not what was planned");
    expect(message).toContain("differs at Deployment/apps/web-web");
    expect(message).toContain("not reported applied");
    expect(message).toContain("`helm history web --namespace apps`");
    // Its secrets stay out of what is said, as everywhere else in the outcome.
    expect(message).not.toContain(TOKEN);
    expect(rolledBack.result.output).toBe('Release "web" has been upgraded.\n');

    // The release gone from the cluster by the time it is read back.
    const gone = await apply(await planned(), "/k", (release) => release.replace(undefined));
    expect(gone.result).toMatchObject({ ok: false });
    expect(gone.result.ok ? "" : gone.result.message).toContain("the release is not in the cluster any more");

    // The read-back itself failing is no confirmation either.
    const p3 = await planned();
    const unreadable = await apply(p3, "/k", (release) => {
      release.get = () => ({ exitCode: 1, timedOut: false, stdout: "", stderr: "Error: Kubernetes cluster unreachable\n", durationMs: 1 });
    });
    expect(unreadable.result).toMatchObject({ ok: false });
    expect(unreadable.result.ok ? "" : unreadable.result.message).toContain(
      "the release could not be read back (helm get manifest exited with code 1: Error: Kubernetes cluster unreachable)",
    );
  });

  it("refuses without a kubeconfig, and without a saved plan", async () => {
    const p = await planned();
    const none = await apply(p, undefined);
    expect(none.result).toMatchObject({ ok: false, message: NO_KUBECONFIG });
    expect(none.calls).toEqual([]);
    await rm(p.planFile);
    const missing = await apply(p, "/k");
    expect(missing.result).toMatchObject({ ok: false, message: "the saved plan is missing; run /plan again" });
  });
});
