import { cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { exec, type ExecOptions, type ExecResult } from "../../runners/exec.js";
import { createKustomizeRunner } from "../../runners/kustomize/kustomize-runner.js";
import type { KustomizeProject } from "../../runners/kustomize/kustomize-settings.js";
import type { Exec, PlanRequest } from "../../runners/runner.js";
import { edit } from "../support/fixture-files.js";
import { liveSection, planned } from "../support/live-diff.js";

/**
 * The kustomize plan with a kubeconfig: `kubectl kustomize` runs for real, the cluster calls
 * (`kubectl get`, `kubectl apply --dry-run=server`) get recorded outputs, since no cluster exists here.
 */
const APP = fileURLToPath(new URL("../fixtures/kustomize/app/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/live-diff/", import.meta.url));
const KUBECONFIG = "/etc/sluice/kube/acme.yaml";
const API_KEY = "fixture-api-key-1";
/** Still in the cluster: the rotated key was never applied. */
const OLD_API_KEY = "fixture-api-key-0";

let root = "";
let n = 0;
const fixture = (name: string) => readFile(join(FIXTURES, name), "utf8");

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-live-kustomize-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const result = (r: Partial<ExecResult>): ExecResult => ({ exitCode: 0, timedOut: false, stdout: "", stderr: "", durationMs: 1, ...r });

type Scripted = ExecResult | Error;
interface Call {
  args: string[];
  opts: ExecOptions;
}

const bumpReplicas = (d: string) => edit(join(d, "overlays/prod/replicas.yaml"), "replicas: 3", "replicas: 5");

/** Real `kubectl kustomize`; the cluster calls answer from `cluster`. */
async function plan(
  cluster: { get?: Scripted; apply?: Scripted },
  change: (deploy: string) => Promise<void> = bumpReplicas,
  extra: Partial<PlanRequest> = {},
) {
  const dir = join(root, String(++n));
  const base = join(dir, "base");
  const head = join(dir, "head");
  await mkdir(base, { recursive: true });
  await cp(APP, join(base, "deploy"), { recursive: true });
  await cp(APP, join(head, "deploy"), { recursive: true });
  await change(join(head, "deploy"));

  const calls: Call[] = [];
  const fake: Exec = async (file, args, opts) => {
    calls.push({ args, opts });
    if (args[0] === "kustomize") return exec(file, args, opts);
    const scripted = args[0] === "get" ? cluster.get : args[0] === "apply" ? cluster.apply : undefined;
    if (scripted instanceof Error) throw scripted;
    if (!scripted) throw new Error(`unexpected call ${args.join(" ")}`);
    return scripted;
  };
  let logged = "";
  const project: KustomizeProject = {
    name: "prod",
    dir: "deploy/overlays/prod",
    workspace: "default",
    runner: "kustomize",
    kustomize: { namespace: "prod" },
  };
  const req: PlanRequest = {
    project,
    checkoutDir: head,
    baseCheckoutDir: base,
    dataDir: join(dir, "data"),
    extraArgs: [],
    env: { AWS_PROFILE: "acme" },
    timeoutMs: 600_000,
    // No redaction on purpose: Secret values must be absent without it.
    redact: (s) => s,
    onOutput: (c) => {
      logged += c;
    },
    kubeconfig: KUBECONFIG,
    ...extra,
  };
  const outcome = await createKustomizeRunner().plan(req, fake);
  return { outcome, calls, logged, dataDir: req.dataDir, planFile: join(req.dataDir, "rendered.yaml") };
}

/** One object's block of a section. */
function block(section: string, header: string): string {
  const start = section.indexOf(`${header}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = section.indexOf("\n# ", start + 1);
  return section.slice(start, next < 0 ? undefined : next + 1);
}

const changedLines = (text: string) => text.split("\n").filter((l) => /^[-+] /.test(l));

function expectNoSecrets(text: string) {
  for (const secret of [API_KEY, OLD_API_KEY]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString("base64"));
  }
  // The client-side apply annotation carries the whole Secret: never shown.
  expect(text).not.toContain("last-applied-configuration");
}

const recorded = async () => ({
  get: result({ stdout: await fixture("kubectl-get-live.yaml") }),
  apply: result({ stdout: await fixture("kubectl-apply-dry-run.yaml") }),
});

describe("kustomize live diff (recorded cluster outputs)", () => {
  it("appends the live-vs-dry-run diff under the render diff; the summary stays the render's", async () => {
    const run = await plan(await recorded());
    const out = planned(run.outcome);
    expect(out.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(out.output.startsWith("Objects: 0 to create, 1 to update, 0 to delete.\n\n# update Deployment/prod/api\n")).toBe(true);
    // What drift checks read of it: the live diff's actions by address.
    const live = out.summary.live;
    expect(live?.ok && live.changes.map((c) => c.action).sort()).toEqual(["create", "update", "update"]);

    const section = liveSection(run.outcome);
    expect(section.split("\n").slice(0, 2)).toEqual([
      "== Live diff against the cluster (server-side dry-run): 1 to create, 2 to update, 0 to delete ==",
      "Compared: the objects in the cluster now (kubectl get) with a server-side dry run of this plan's apply (kubectl apply --server-side --dry-run=server). Status and server bookkeeping fields are left out.",
    ]);
    expect(section.match(/^# .*$/gm)).toEqual([
      "# create Service/prod/api",
      "# update Deployment/prod/api",
      "# update Secret/prod/api-credentials",
    ]);
    // Hand-scaled to 4 in the cluster: the live diff says 4 -> 5, where the render diff says 3 -> 5.
    // No generation, resourceVersion or status lines, though both reads differ there.
    expect(changedLines(block(section, "# update Deployment/prod/api"))).toEqual(["-  replicas: 4", "+  replicas: 5"]);
    expect(changedLines(block(section, "# update Secret/prod/api-credentials"))).toEqual([
      expect.stringMatching(/^- {2}API_KEY: hmac:[0-9a-f]{12}$/),
      expect.stringMatching(/^\+ {2}API_KEY: hmac:[0-9a-f]{12}$/),
    ]);
    // Deleted by hand: created again, with the fields the API server defaults, without its bookkeeping.
    expect(block(section, "# create Service/prod/api")).toBe(
      [
        "# create Service/prod/api",
        "@@ -0,0 +1,20 @@",
        "+apiVersion: v1",
        "+kind: Service",
        "+metadata:",
        "+  name: api",
        "+  namespace: prod",
        "+  labels:",
        "+    app.kubernetes.io/name: api",
        "+spec:",
        "+  internalTrafficPolicy: Cluster",
        "+  ipFamilies:",
        "+    - IPv4",
        "+  ipFamilyPolicy: SingleStack",
        "+  ports:",
        "+    - port: 80",
        "+      protocol: TCP",
        "+      targetPort: 8080",
        "+  selector:",
        "+    app.kubernetes.io/name: api",
        "+  sessionAffinity: None",
        "+  type: ClusterIP",
        "",
        "",
      ].join("\n"),
    );
  });

  it("calls kubectl with apply's target: the kubeconfig, the namespace, the saved render", async () => {
    const run = await plan(await recorded());
    planned(run.outcome);
    expect(run.calls.map((c) => c.args)).toEqual([
      ["kustomize", expect.stringMatching(/head\/deploy\/overlays\/prod$/)],
      ["kustomize", expect.stringMatching(/base\/deploy\/overlays\/prod$/)],
      ["kustomize", expect.stringMatching(/base\/deploy\/overlays\/prod$/)],
      ["get", "--ignore-not-found", "-o", "yaml", "--kubeconfig", KUBECONFIG, "--namespace", "prod", "-f", run.planFile],
      [
        "apply",
        "--server-side",
        "--field-manager=sluice",
        "--dry-run=server",
        "-o",
        "yaml",
        "--kubeconfig",
        KUBECONFIG,
        "--namespace",
        "prod",
        "-f",
        run.planFile,
      ],
    ]);
    for (const call of run.calls.slice(3)) {
      expect(call.opts.onOutput).toBeUndefined();
      expect(call.opts.timeoutMs).toBe(120_000);
      // The repo's credentials reach kubectl (exec credential plugins need them); nothing else is added.
      expect(call.opts.env).toEqual({ AWS_PROFILE: "acme" });
      expect(call.opts.cwd).toBe(run.dataDir);
    }
    expectNoSecrets(JSON.stringify(run.calls.map((c) => c.args)));
  });

  it("never shows a Secret value from either read, and hands the cluster's to redaction", async () => {
    const run = await plan(await recorded());
    const out = planned(run.outcome);
    expect(await fixture("kubectl-get-live.yaml")).toContain(Buffer.from(OLD_API_KEY).toString("base64"));
    expectNoSecrets(out.output + run.logged + JSON.stringify(out.summary.resources));
    expect(out.summary.sensitiveValues).toEqual(expect.arrayContaining([API_KEY, OLD_API_KEY]));
    expect(run.logged).toContain("== Live diff against the cluster");
  });

  it("reads what the plan deletes from the cluster too, and shows it deleted", async () => {
    const dryRun = parse(await fixture("kubectl-apply-dry-run.yaml")) as { items: { kind: string }[] };
    const withoutService = { ...dryRun, items: dryRun.items.filter((o) => o.kind !== "Service") };
    const run = await plan(
      // Live: the dry-run view of the objects, Service included; after apply: the same, Service gone.
      { get: result({ stdout: await fixture("kubectl-apply-dry-run.yaml") }), apply: result({ stdout: stringify(withoutService) }) },
      (d) => edit(join(d, "base/kustomization.yaml"), "  - service.yaml\n", ""),
    );
    expect(planned(run.outcome).summary.resources).toEqual([{ address: "Service/prod/api", action: "delete" }]);
    const deletions = join(run.dataDir, "live-deletions.yaml");
    expect(run.calls[3]?.args).toEqual([
      "get",
      "--ignore-not-found",
      "-o",
      "yaml",
      "--kubeconfig",
      KUBECONFIG,
      "--namespace",
      "prod",
      "-f",
      run.planFile,
      "-f",
      deletions,
    ]);
    expect(await readFile(deletions, "utf8")).toBe(
      '---\napiVersion: "v1"\nkind: "Service"\nmetadata:\n  name: "api"\n  namespace: "prod"\n',
    );
    expect((await stat(deletions)).mode & 0o777).toBe(0o600);
    const section = liveSection(run.outcome);
    expect(section.split("\n")[0]).toBe("== Live diff against the cluster (server-side dry-run): 0 to create, 0 to update, 1 to delete ==");
    expect(section.match(/^# .*$/gm)).toEqual(["# delete Service/prod/api"]);
  });

  it("says there is nothing to change when the cluster already matches", async () => {
    const same = await fixture("kubectl-apply-dry-run.yaml");
    const run = await plan({ get: result({ stdout: same }), apply: result({ stdout: same }) });
    expect(liveSection(run.outcome)).toBe(
      "== Live diff against the cluster (server-side dry-run): no changes ==\n" +
        "Compared: the objects in the cluster now (kubectl get) with a server-side dry run of this plan's apply (kubectl apply --server-side --dry-run=server). Status and server bookkeeping fields are left out.\n",
    );
  });

  it("says so when the cluster is unreachable, keeps the plan, and skips the dry run", async () => {
    const run = await plan({ get: result({ exitCode: 1, stderr: await fixture("kubectl-unreachable.stderr") }) });
    const out = planned(run.outcome);
    expect(out.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(liveSection(run.outcome)).toBe(
      [
        "== Live diff against the cluster (server-side dry-run): not available ==",
        'kubectl get exited with code 1: error: unable to recognize "/data/rendered.yaml": Get "https://k8s.acme.internal:6443/api?timeout=32s": dial tcp 10.20.0.5:6443: connect: connection refused',
        "The render diff above is complete; only the comparison with the cluster is missing.",
        "",
      ].join("\n"),
    );
    expect(run.calls.map((c) => c.args[0])).toEqual(["kustomize", "kustomize", "kustomize", "get"]);
    // The plan file is saved as without a kubeconfig: apply does not depend on the live diff.
    expect(await readFile(out.planFile, "utf8")).toContain("replicas: 5");
  });

  it.each([
    [
      "a field-ownership conflict (apply would fail too)",
      result({
        exitCode: 1,
        stderr: [
          'error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
          "Please review the fields above--they currently have other managers. Here are the ways you can resolve this warning:",
          "* If you intend to manage all of these fields, please re-run the apply command",
          "  with the `--force-conflicts` flag.",
          "",
        ].join("\n"),
      }),
      'kubectl apply --dry-run=server exited with code 1: error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    ],
    [
      "a refused credential",
      result({ exitCode: 1, stderr: "error: You must be logged in to the server (Unauthorized)\n" }),
      "kubectl apply --dry-run=server exited with code 1: error: You must be logged in to the server (Unauthorized)",
    ],
    [
      "a timeout",
      result({ exitCode: null, timedOut: true, signal: "SIGKILL" }),
      "kubectl apply --dry-run=server timed out after 120 s and was stopped",
    ],
    [
      "a kubectl that cannot start",
      new Error("could not start kubectl: spawn kubectl ENOENT"),
      "could not start kubectl: spawn kubectl ENOENT",
    ],
  ])("reports %s in the section", async (_name, apply, reason) => {
    const run = await plan({ get: result({ stdout: await fixture("kubectl-get-live.yaml") }), apply });
    expect(planned(run.outcome).summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(liveSection(run.outcome).split("\n").slice(0, 2)).toEqual([
      "== Live diff against the cluster (server-side dry-run): not available ==",
      reason,
    ]);
  });

  it("redacts a Secret value that a failing dry run echoes, even one only the cluster had", async () => {
    const stderr = `Error from server (Invalid): Secret "api-credentials" is invalid: data[API_KEY]: Invalid value: "${OLD_API_KEY}" -> "${API_KEY}"\n`;
    const run = await plan({ get: result({ stdout: await fixture("kubectl-get-live.yaml") }), apply: result({ exitCode: 1, stderr }) });
    const section = liveSection(run.outcome);
    expect(section.split("\n")[1]).toBe(
      'kubectl apply --dry-run=server exited with code 1: Error from server (Invalid): Secret "api-credentials" is invalid: data[API_KEY]: Invalid value: "[redacted]" -> "[redacted]"',
    );
    expectNoSecrets(section + run.logged);
  });

  it("adds nothing without a kubeconfig", async () => {
    const run = await plan({}, bumpReplicas, { kubeconfig: undefined });
    expect(planned(run.outcome).output).not.toContain("Live diff");
    expect(run.calls.map((c) => c.args[0])).toEqual(["kustomize", "kustomize", "kustomize"]);
  });
});
