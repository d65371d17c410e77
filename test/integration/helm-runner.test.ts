import type { Project } from "../../src/model/project.js";
import { mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";

import type { HelmSettings as HelmProjectSettings } from "../../src/model/project.js";
import { installHelm } from "../../scripts/install-helm.js";
import type { PlanRequest } from "../../runners/runner.js";
import type { Exec, PlanOutcome } from "../../runners/runner.js";
import { edit, fixtureCheckouts } from "../support/fixture-files.js";

/** Real helm (installed by the setup script) on two copies of the fixture chart: base and head. */
const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const PASSWORD = "fixture-db-password-1";

let helmPath = "";
let root = "";
let n = 0;

beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-test-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface Run {
  outcome: PlanOutcome;
  argvs: string[][];
  logged: string;
  dataDir: string;
}

/** Base and head checkouts with the chart at `charts/web`; `change` edits the head (or base) copy. */
const checkouts = (change?: (head: string) => Promise<void>, opts: { baseChart?: boolean } = {}) =>
  fixtureCheckouts(join(root, String(++n)), FIXTURE, "charts/web", change, opts.baseChart !== false);

async function plan(
  dirs: { base: string; head: string; dataDir: string },
  helm: HelmProjectSettings = {},
  extra: Partial<PlanRequest> = {},
): Promise<Run> {
  const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps", ...helm } };
  const argvs: string[][] = [];
  const recording: Exec = (file, args, o) => {
    argvs.push(args);
    return exec(file, args, o);
  };
  let logged = "";
  const req: PlanRequest = {
    project,
    checkoutDir: dirs.head,
    baseCheckoutDir: dirs.base,
    dataDir: dirs.dataDir,
    extraArgs: [],
    env: {},
    timeoutMs: 60_000,
    // No redaction on purpose: Secret values must be absent without it.
    redact: (s) => s,
    onOutput: (c) => {
      logged += c;
    },
    ...extra,
  };
  const outcome = await createHelmRunner({ helmBinary: helmPath }).plan(req, recording);
  return { outcome, argvs, logged, dataDir: dirs.dataDir };
}

function planned(run: Run) {
  if (!run.outcome.ok) throw new Error(`plan failed at ${run.outcome.failedStep}: ${run.outcome.message}\n${run.outcome.output}`);
  return run.outcome;
}

const addresses = (run: Run) => planned(run).summary.resources.map((r) => `${r.action} ${r.address}`);

/** Everything a plan shows or logs, Secret values for redaction excepted. */
const shown = (run: Run) => JSON.stringify({ ...run.outcome, summary: undefined }) + run.logged + JSON.stringify(addresses(run));

describe("helm runner (real helm)", () => {
  it("finds no change when base and head are the same, and saves the head render as the plan file", async () => {
    const run = await plan(await checkouts());
    const out = planned(run);
    expect(out.summary.hasChanges).toBe(false);
    expect(out.output).toBe("No changes: helm renders the same objects at base and head.\n");
    expect(out.planFile).toBe(join(run.dataDir, "rendered.yaml"));
    expect((await stat(out.planFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(out.planFile, "utf8")).toContain("kind: Deployment");
    // The vendored subchart needs no dependency build; the base renders twice (fields regenerated on every render).
    expect(run.argvs.map((a) => a[0])).toEqual(["template", "template", "template"]);
    expect(run.argvs[0]?.slice(0, 7)).toEqual([
      "template",
      "web",
      expect.stringMatching(/head\/charts\/web$/),
      "--namespace",
      "apps",
      "--include-crds",
      "--skip-tests",
    ]);
  });

  it("shows exactly the changed Deployment field when replicaCount changes", async () => {
    const run = await plan(await checkouts((chart) => edit(join(chart, "values.yaml"), "replicaCount: 2", "replicaCount: 3")));
    expect(addresses(run)).toEqual(["update Deployment/apps/web-web"]);
    const out = planned(run);
    expect(out.summary).toMatchObject({ add: 0, change: 1, destroy: 0, hasChanges: true });
    const changed = out.output.split("\n").filter((l) => /^[-+]/.test(l));
    expect(changed).toEqual(["-  replicas: 2", "+  replicas: 3"]);
    expect(out.output).toContain("# update Deployment/apps/web-web\n@@ ");
  });

  it("shows a new template file as a created object", async () => {
    const run = await plan(
      await checkouts((chart) =>
        writeFile(
          join(chart, "templates/pdb.yaml"),
          'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {{ include "web.fullname" . }}\nspec:\n  minAvailable: 1\n',
        ),
      ),
    );
    expect(addresses(run)).toEqual(["create PodDisruptionBudget/apps/web-web"]);
    expect(planned(run).output).toContain("+  minAvailable: 1");
  });

  it("shows a Secret value change as a hash change, never the value", async () => {
    const run = await plan(await checkouts((chart) => edit(join(chart, "values.yaml"), PASSWORD, "fixture-db-password-2")));
    expect(addresses(run)).toEqual(["update Secret/apps/web-web"]);
    const out = planned(run);
    expect(out.output).toMatch(/- {2}password: hmac:[0-9a-f]{12}\n\+ {2}password: hmac:[0-9a-f]{12}\n/);
    for (const secret of [PASSWORD, "fixture-db-password-2"]) {
      for (const form of [secret, Buffer.from(secret).toString("base64")]) expect(shown(run)).not.toContain(form);
      // ...and the job gets them to redact anything else.
      expect(out.summary.sensitiveValues).toContain(secret);
    }
  });

  it("the job log is redacted with the Secret values the render holds: a copy of one in a ConfigMap is not streamed", async () => {
    // The chart copies the Secret's value into a ConfigMap (a values file's password used twice).
    const run = await plan(
      await checkouts((chart) =>
        edit(join(chart, "templates/configmap.yaml"), "GREETING:", "DB_PASSWORD: {{ .Values.dbPassword | quote }}\n  GREETING:"),
      ),
    );
    const out = planned(run);
    // Control: the value is one the plan marks secret (the comment's redaction gets it), and the
    // ConfigMap's diff holds it: the job's redaction must know it before the log goes out.
    expect(out.summary.sensitiveValues).toContain(PASSWORD);
    expect(out.output).toContain("DB_PASSWORD");
    expect(run.logged).toContain("DB_PASSWORD");
    expect(run.logged).not.toContain(PASSWORD);
  });

  it("treats a chart that is new in the PR as all creates", async () => {
    const run = await plan(await checkouts(undefined, { baseChart: false }));
    expect(addresses(run)).toEqual([
      "create ConfigMap/apps/web-web",
      "create Deployment/apps/web-web",
      "create Secret/apps/web-web",
      "create Service/apps/web-web",
      "create StatefulSet/apps/web-cache",
    ]);
    expect(shown(run)).not.toContain(PASSWORD);
    expect(run.argvs).toHaveLength(1);
  });

  it("renders a subchart value change through the vendored dependency", async () => {
    const run = await plan(await checkouts((chart) => edit(join(chart, "values.yaml"), "memory: 64Mi", "memory: 128Mi")));
    expect(addresses(run)).toEqual(["update StatefulSet/apps/web-cache"]);
    expect(planned(run).output).toContain("-            - 64Mi\n+            - 128Mi\n");
  });

  it("builds a dependency that is not vendored, offline from a file:// repository", async () => {
    const dirs = await checkouts(async (chart) => {
      await rename(join(chart, "charts/cache"), join(chart, "../cache"));
      await edit(join(chart, "Chart.yaml"), "file://charts/cache", "file://../cache");
    });
    const run = await plan(dirs);
    expect(run.argvs.map((a) => a[0])).toEqual(["dependency", "template", "template", "template"]);
    expect(run.argvs[0]?.slice(0, 2)).toEqual(["dependency", "build"]);
    expect(planned(run).summary.hasChanges).toBe(false);
  });

  it("uses values files and settings; a values file new in the PR is left out at base", async () => {
    const dirs = await checkouts((chart) => writeFile(join(chart, "values-extra.yaml"), "greeting: hi\n"));
    const run = await plan(dirs, { values: ["values-prod.yaml", "values-extra.yaml"], set: { replicaCount: 4, "image.tag": "1.10" } });
    expect(addresses(run)).toEqual(["update ConfigMap/apps/web-web", "update Deployment/apps/web-web"]);
    const out = planned(run).output;
    expect(out).toContain("Note: values file `values-extra.yaml` does not exist at base");
    expect(out).toContain("-  GREETING: hello\n+  GREETING: hi\n");
    // The Deployment changes only through the ConfigMap checksum (set values apply to both sides),
    // shown as keyed digests: a checksum is never posted as it is.
    expect(out).toMatch(/- {8}checksum\/config: hmac:[0-9a-f]{12}\n\+ {8}checksum\/config: hmac:[0-9a-f]{12}/);
    const headArgv = run.argvs[0] ?? [];
    expect(headArgv.filter((_a, i) => headArgv[i - 1] === "--values").map((p) => p.split("/").pop())).toEqual([
      "values-prod.yaml",
      "values-extra.yaml",
    ]);
    expect(headArgv).toEqual(expect.arrayContaining(["--set-json", "replicaCount=4", "--set-literal", "image.tag=1.10"]));
  });

  it("hides chart-version labels (and the config checksum they change) with ignore rules, and counts them", async () => {
    const bump = await checkouts((chart) => edit(join(chart, "Chart.yaml"), "version: 0.1.0\nappVersion", "version: 0.2.0\nappVersion"));
    const labelsOnly = await plan(bump, { ignore: ['metadata.labels["helm.sh/chart"]'] });
    // The ConfigMap's checksum covers its labels, so the Deployment still changes.
    expect(addresses(labelsOnly)).toEqual(["update Deployment/apps/web-web"]);
    expect(planned(labelsOnly).output).toContain("# update Deployment/apps/web-web (1 ignored field also changed)");
    expect(planned(labelsOnly).output).toContain("4 changes hidden by ignore rules");
    const both = await plan(bump, {
      ignore: ['metadata.labels["helm.sh/chart"]', 'spec.template.metadata.annotations["checksum/config"]'],
    });
    expect(planned(both).output).toMatch(
      /^No changes: helm renders the same objects at base and head\.\n\n5 changes hidden by ignore rules: /,
    );
    // The project's own rules hide the new checksum (its pods restart) from the text, not from the
    // rules that read the plan: the Deployment still counts as changed, and the text says so.
    expect(addresses(both)).toEqual(["update Deployment/apps/web-web"]);
    expect(planned(both).output).toContain("Changed only in fields this project's ignore rules hide");
  });

  it("passes secretSet values through files, never argv, and never shows them", async () => {
    const token = "fixture-api-token-from-server-secret";
    const dirs = await checkouts((chart) =>
      writeFile(
        join(chart, "templates/token.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  api-token: {{ .Values.apiToken }}\n",
      ),
    );
    const run = await plan(dirs, {}, { secretSet: { apiToken: token } });
    // Both sides get the value: the Secret that already used it does not change.
    expect(addresses(run)).toEqual(["create Secret/apps/token"]);
    expect(await readFile(planned(run).planFile, "utf8")).toContain(token);
    expect(JSON.stringify(run.argvs)).not.toContain(token);
    expect(run.argvs[0]).toEqual(expect.arrayContaining(["--set-file", expect.stringMatching(/^apiToken=.*secret-set-/)]));
    expect(shown(run)).not.toContain(token);
    expect(planned(run).summary.sensitiveValues).toContain(token);
    expect(planned(run).output).toMatch(/\+ {2}api-token: hmac:[0-9a-f]{12}\n/);
  });

  it.each([
    ["a values file outside the repo", { values: ["../../../../etc/passwd"] }, "values", /must be a relative path inside the repository/],
    ["a missing values file", { values: ["nope.yaml"] }, "values", /does not exist/],
    ["an invalid ignore path", { ignore: ["a..b"] }, "config", /empty key/],
  ])("fails on %s", async (_name, settings: HelmProjectSettings, step, message) => {
    const run = await plan(await checkouts(), settings);
    expect(run.outcome).toMatchObject({ ok: false, failedStep: step });
    if (!run.outcome.ok) expect(run.outcome.message).toMatch(message);
  });

  it("fails on extra arguments and on a template error, with helm's message", async () => {
    const extra = await plan(await checkouts(), {}, { extraArgs: ["-var=x=1"] });
    expect(extra.outcome).toMatchObject({ ok: false, failedStep: "arguments" });
    const broken = await plan(await checkouts((chart) => writeFile(join(chart, "templates/bad.yaml"), "{{ .Values.nope.deeper }}\n")));
    expect(broken.outcome).toMatchObject({ ok: false, failedStep: "template (head)", message: "helm template (head) exited with code 1" });
    if (!broken.outcome.ok) expect(broken.outcome.output).toContain("bad.yaml");
  });
});
