import type { Project } from "../../src/model/project.js";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec, type ExecOptions, type ExecResult } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import { installHelm } from "../../scripts/install-helm.js";
import type { Exec, PlanRequest } from "../../runners/runner.js";
import { liveSection, planned } from "../support/live-diff.js";

/**
 * The helm plan with a kubeconfig: `helm template` runs for real, the two cluster calls (`helm get
 * manifest`, `helm upgrade --dry-run=server`) get recorded outputs, since no cluster exists here.
 */
const CHART = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/live-diff/", import.meta.url));
const KUBECONFIG = "/etc/sluice/kube/acme.yaml";
const PASSWORD = "fixture-db-password-1";
/** Still in the cluster: the release was deployed before the password was rotated in git. */
const OLD_PASSWORD = "fixture-db-password-0";
const TOKEN = "fixture-api-token-from-server-secret";
const SECRETS = [PASSWORD, OLD_PASSWORD, TOKEN];

let helmPath = "";
let root = "";
let n = 0;
const fixture = (name: string) => readFile(join(FIXTURES, name), "utf8");

beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-live-helm-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const result = (r: Partial<ExecResult>): ExecResult => ({ exitCode: 0, timedOut: false, stdout: "", stderr: "", durationMs: 1, ...r });

/** A recorded answer, or one made from the call's arguments (what the chart would render). */
type Scripted = ExecResult | Error | ((args: string[]) => Promise<ExecResult>);
interface Call {
  args: string[];
  opts: ExecOptions;
}

/** Real helm for everything but the cluster calls; those answer from `cluster`. */
async function plan(cluster: { get?: Scripted; upgrade?: Scripted }, extra: Partial<PlanRequest> = {}) {
  const dir = join(root, String(++n));
  const base = join(dir, "base");
  const head = join(dir, "head");
  await mkdir(base, { recursive: true });
  await cp(CHART, join(base, "charts/web"), { recursive: true });
  await cp(CHART, join(head, "charts/web"), { recursive: true });
  const values = join(head, "charts/web/values.yaml");
  await writeFile(values, (await readFile(values, "utf8")).replace("replicaCount: 2", "replicaCount: 3"));

  const calls: Call[] = [];
  const fake: Exec = async (file, args, opts) => {
    calls.push({ args, opts });
    const scripted = args[0] === "get" ? cluster.get : args[0] === "upgrade" ? cluster.upgrade : undefined;
    if (scripted instanceof Error) throw scripted;
    if (typeof scripted === "function") return scripted(args);
    if (scripted) return scripted;
    if (args[0] === "get" || args[0] === "upgrade") throw new Error(`unexpected cluster call ${args.join(" ")}`);
    return exec(file, args, opts);
  };
  let logged = "";
  const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
  const req: PlanRequest = {
    project,
    checkoutDir: head,
    baseCheckoutDir: base,
    dataDir: join(dir, "data"),
    extraArgs: [],
    env: {},
    timeoutMs: 600_000,
    // No redaction on purpose: Secret values must be absent without it.
    redact: (s) => s,
    onOutput: (c) => {
      logged += c;
    },
    secretSet: { apiToken: TOKEN },
    kubeconfig: KUBECONFIG,
    ...extra,
  };
  const outcome = await createHelmRunner({ helmBinary: helmPath }).plan(req, fake);
  return { outcome, calls, logged, head: join(head, "charts/web"), dataDir: req.dataDir };
}

const changedLines = (text: string) => text.split("\n").filter((l) => /^[-+] /.test(l));

function expectNoSecrets(text: string) {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString("base64"));
  }
}

const RENDER_DIFF = "Objects: 0 to create, 1 to update, 0 to delete.";

describe("helm live diff (recorded cluster outputs)", () => {
  it("appends the release-vs-dry-run diff under the render diff; the summary stays the render's", async () => {
    const run = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: result({ stdout: await fixture("helm-upgrade-dry-run.json") }),
    });
    const out = planned(run.outcome);
    expect(out.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(out.summary.resources).toEqual([{ address: "Deployment/apps/web-web", action: "update" }]);
    expect(out.output.startsWith(RENDER_DIFF)).toBe(true);
    // What drift checks read of it: addresses and actions, never values.
    expect(out.summary.live).toEqual({
      ok: true,
      changes: [
        { address: "Deployment/apps/web-web", action: "update" },
        { address: "Secret/apps/web-web", action: "update" },
      ],
    });

    const section = liveSection(run.outcome);
    expect(section.split("\n").slice(0, 2)).toEqual([
      "== Live diff against the cluster (server-side dry-run): 0 to create, 2 to update, 0 to delete ==",
      "Compared: release `web` as deployed (helm get manifest) with a server-side dry run of upgrading it to this head (helm upgrade --install --dry-run=server). Hooks, and edits made in the cluster outside helm, are not compared.",
    ]);
    // The cluster runs an older image than base: the live diff shows it, the render diff cannot.
    const deployment = section.slice(section.indexOf("# update Deployment/apps/web-web\n"), section.indexOf("# update Secret/"));
    expect(changedLines(deployment)).toEqual([
      "-  replicas: 2",
      "+  replicas: 3",
      "-          image: nginx:1.26",
      "+          image: nginx:1.27",
    ]);
    // The rotated password shows as two markers; the token the release never had as a new key.
    const secret = section.slice(section.indexOf("# update Secret/apps/web-web\n"));
    expect(changedLines(secret)).toEqual([
      expect.stringMatching(/^- {2}password: hmac:[0-9a-f]{12}$/),
      expect.stringMatching(/^\+ {2}password: hmac:[0-9a-f]{12}$/),
      expect.stringMatching(/^\+ {2}api-token: hmac:[0-9a-f]{12}$/),
    ]);
    expect(section.endsWith("\n")).toBe(true);
  });

  it("calls helm with the kubeconfig and namespace, secrets only as files, and reads the outputs raw", async () => {
    const run = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: result({ stdout: await fixture("helm-upgrade-dry-run.json") }),
    });
    planned(run.outcome);
    // Head, base, base again (regenerated fields), then both with placeholder secrets (derived
    // fields); the dry run with the secrets, then with the placeholders (what it derives from them).
    expect(run.calls.map((c) => c.args[0])).toEqual([
      "template",
      "template",
      "template",
      "template",
      "template",
      "get",
      "upgrade",
      "upgrade",
    ]);
    const [get, upgrade, canary] = run.calls.slice(5);
    expect(canary?.args.find((a) => a.startsWith("apiToken="))).toMatch(/^apiToken=.*\/data\/secret-set-[^/]+\/canary-[^/]+\/v0$/);
    expect(get?.args).toEqual(["get", "manifest", "web", "--namespace", "apps", "--kubeconfig", KUBECONFIG]);
    expect(upgrade?.args).toEqual([
      "upgrade",
      "--install",
      "--dry-run=server",
      "--output",
      "json",
      "web",
      run.head,
      "--namespace",
      "apps",
      "--set-file",
      expect.stringMatching(/^apiToken=.*\/data\/secret-set-[^/]+\/v0$/),
      "--kubeconfig",
      KUBECONFIG,
    ]);
    expectNoSecrets(JSON.stringify(run.calls.map((c) => c.args)));
    for (const call of [get, upgrade]) {
      // Not streamed to the job log (the output holds Secrets), and capped well below the step timeout.
      expect(call?.opts.onOutput).toBeUndefined();
      expect(call?.opts.timeoutMs).toBe(120_000);
      // A helm home of this run's own, under the project's data dir (removed when the plan ends).
      expect(call?.opts.env).toMatchObject({ HELM_NO_PLUGINS: "1" });
      expect(call?.opts.env?.HELM_CONFIG_HOME).toMatch(new RegExp(`^${run.dataDir}/helm-home-[^/]+/helm/config$`));
    }
  });

  it("never shows a Secret value, from the release, the dry run or its user-supplied values, and hands all to redaction", async () => {
    const dryRun = await fixture("helm-upgrade-dry-run.json");
    // The recorded release carries the secret set in clear (`config`), the chart's values too.
    expect(dryRun).toContain(TOKEN);
    expect(dryRun).toContain(PASSWORD);
    const run = await plan({ get: result({ stdout: await fixture("helm-get-manifest.yaml") }), upgrade: result({ stdout: dryRun }) });
    const out = planned(run.outcome);
    expectNoSecrets(out.output + run.logged + JSON.stringify(out.summary.resources));
    for (const secret of SECRETS) expect(out.summary.sensitiveValues).toContain(secret);
    // The log gets the same text as the comment, live section included.
    expect(run.logged).toContain("== Live diff against the cluster");
  });

  it("treats a release that is not installed as everything new", async () => {
    const run = await plan({
      get: result({ exitCode: 1, stderr: await fixture("helm-release-not-found.stderr") }),
      upgrade: result({ stdout: await fixture("helm-upgrade-dry-run.json") }),
    });
    const section = liveSection(run.outcome);
    expect(section.split("\n").slice(0, 3)).toEqual([
      "== Live diff against the cluster (server-side dry-run): 5 to create, 0 to update, 0 to delete ==",
      expect.stringMatching(/^Compared: /),
      "Note: release `web` is not installed in namespace `apps`: every object is new",
    ]);
    expect(section.match(/^# create .*$/gm)).toEqual([
      "# create ConfigMap/apps/web-web",
      "# create Deployment/apps/web-web",
      "# create Secret/apps/web-web",
      "# create Service/apps/web-web",
      "# create StatefulSet/apps/web-cache",
    ]);
    expectNoSecrets(section);
  });

  it("says so when the cluster is unreachable, and keeps the plan", async () => {
    const run = await plan({ get: result({ exitCode: 1, stderr: await fixture("helm-unreachable.stderr") }) });
    const out = planned(run.outcome);
    expect(out.summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(out.summary.live).toEqual({ ok: false, reason: expect.stringContaining("kubernetes cluster unreachable") });
    expect(out.output.startsWith(RENDER_DIFF)).toBe(true);
    expect(liveSection(run.outcome)).toBe(
      [
        "== Live diff against the cluster (server-side dry-run): not available ==",
        'helm get manifest exited with code 1: Error: kubernetes cluster unreachable: Get "https://k8s.acme.internal:6443/version": dial tcp 10.20.0.5:6443: connect: connection refused',
        "The render diff above is complete; only the comparison with the cluster is missing.",
        "",
      ].join("\n"),
    );
    // Nothing more is tried against a cluster that did not answer.
    expect(run.calls.map((c) => c.args[0])).toEqual(["template", "template", "template", "template", "template", "get"]);
  });

  it("redacts Secret values a failing dry run echoes, including ones only the cluster had", async () => {
    const stderr = [
      "Error: 1 error occurred:",
      `\t* Secret "web-web" is invalid: data[password]: Invalid value: "${OLD_PASSWORD}" (was "${TOKEN}")`,
      "",
    ].join("\n");
    const run = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: result({ exitCode: 1, stderr }),
    });
    const section = liveSection(run.outcome);
    expect(section.split("\n")[1]).toBe(
      'helm upgrade --dry-run=server exited with code 1: Error: 1 error occurred: * Secret "web-web" is invalid: data[password]: Invalid value: "[redacted]" (was "[redacted]") (the message of the same run with placeholder secrets)',
    );
    expect(planned(run.outcome).summary.sensitiveValues).toContain(OLD_PASSWORD);
  });

  it.each([
    [
      "a timeout",
      result({ exitCode: null, timedOut: true, signal: "SIGKILL" }),
      "helm upgrade --dry-run=server timed out after 120 s and was stopped",
    ],
    [
      "output that is not a release",
      result({ stdout: "NAME: web\nMANIFEST:\n---\n" }),
      "helm upgrade --dry-run=server did not print a release as JSON",
    ],
    [
      "a helm that cannot start",
      new Error("could not start /opt/helm: spawn /opt/helm EACCES"),
      "could not start /opt/helm: spawn /opt/helm EACCES",
    ],
  ])("reports %s of the dry run in the section", async (_name, upgrade, reason) => {
    const run = await plan({ get: result({ stdout: await fixture("helm-get-manifest.yaml") }), upgrade });
    expect(liveSection(run.outcome).split("\n").slice(0, 2)).toEqual([
      "== Live diff against the cluster (server-side dry-run): not available ==",
      // Failed alike with placeholder secrets: that run's message, which can quote no secret.
      `${reason} (the message of the same run with placeholder secrets)`,
    ]);
  });

  it("adds nothing without a kubeconfig", async () => {
    const run = await plan({}, { kubeconfig: undefined });
    expect(planned(run.outcome).output).not.toContain("Live diff");
    expect(run.calls.map((c) => c.args[0])).toEqual(["template", "template", "template", "template", "template"]);
  });
});

/** The `--set-file apiToken=<file>` of a helm call: the secret, or the plan's placeholder for it. */
const tokenOf = async (args: string[]) => readFile(args.find((a) => a.startsWith("apiToken="))?.slice("apiToken=".length) ?? "", "utf8");
const dashed = (v: string) => v.split("").join("-");

describe("helm live diff: what the dry run alone derives from a server secret", () => {
  // A ConfigMap the chart renders only on an upgrade ({{- if .Release.IsUpgrade }}), from the
  // secret split into dashes: `helm template`, whose renders find the derived fields, never has it.
  const withExtra = async (dsn: (args: string[]) => Promise<string>) => {
    const manifest = await fixture("helm-get-manifest.yaml");
    return async (args: string[]) =>
      result({
        stdout: JSON.stringify({
          name: "web",
          manifest: `${manifest}\n---\n# Source: web/templates/extra.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  dsn: "${await dsn(args)}"\n`,
        }),
      });
  };

  it("masks a field derived from a secret in the dry run only (control: a field that is not shows in clear)", async () => {
    const derived = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: await withExtra(async (args) => dashed(await tokenOf(args))),
    });
    const section = liveSection(derived.outcome);
    expect(section).not.toContain(dashed(TOKEN));
    expect(section).toMatch(/\+ {2}dsn: hmac:[0-9a-f]+\n/);
    const plain = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: await withExtra(async () => "postgres://db.internal/app"),
    });
    expect(liveSection(plain.outcome)).toContain("postgres://db.internal/app");
  });

  it("shows no message of a dry run that failed with the real secret only (control: failing alike, the placeholder run's is shown)", async () => {
    const reversed = (v: string) => v.split("").reverse().join("");
    // The API server quotes the invalid label the chart made of the secret: `!` and the secret reversed.
    const refuse = async (args: string[]) =>
      result({
        exitCode: 1,
        stderr: `Error: ConfigMap "extra" is invalid: metadata.labels: Invalid value: "!${reversed(await tokenOf(args))}"\n`,
      });
    const ok = await withExtra(async () => "x");
    const realOnly = await plan({
      get: result({ stdout: await fixture("helm-get-manifest.yaml") }),
      upgrade: async (args) => ((await tokenOf(args)) === TOKEN ? refuse(args) : ok(args)),
    });
    const section = liveSection(realOnly.outcome);
    expect(section).not.toContain(reversed(TOKEN));
    expect(section.split("\n")[1]).toBe(
      "dry run failed with the real secrets only; its message is not shown, as it can quote a value derived from a server-held secret",
    );
    const both = await plan({ get: result({ stdout: await fixture("helm-get-manifest.yaml") }), upgrade: refuse });
    const shown = liveSection(both.outcome).split("\n")[1] ?? "";
    expect(shown).toContain('metadata.labels: Invalid value: "!');
    expect(shown).not.toContain(reversed(TOKEN));
  });
});
