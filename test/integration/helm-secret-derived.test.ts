import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exec } from "../../runners/exec.js";
import { createHelmRunner } from "../../runners/helm/helm-runner.js";
import type { PlanOutcome, PlanRequest } from "../../runners/runner.js";
import { installHelm } from "../../scripts/install-helm.js";
import type { Project } from "../../src/model/project.js";
import { createRedactor } from "../../src/util/redact.js";

// Attacks on the masking of server-held secrets (`secret_set`) in a helm plan, with real `helm
// template`: a chart puts a transformed secret where masking of values cannot reach it (an
// object's name, a map key, its own error message), or posts a hash of a rendered Secret.

const FIXTURE = fileURLToPath(new URL("../fixtures/charts/web/", import.meta.url));
const TOKEN = "srvtokenqx7v2mfp9kd3";
/** What a PR author would read back: the token and the transforms the attacks use. */
const FORMS = [TOKEN, TOKEN.toUpperCase(), TOKEN.split("").join("-"), TOKEN.split("").reverse().join("")];

let helmPath = "";
let root = "";
beforeAll(async () => {
  helmPath = (await installHelm()).path;
  root = await mkdtemp(join(tmpdir(), "sluice-helm-derived-"));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface Run {
  outcome: PlanOutcome;
  /** Everything posted or logged, through the job's redaction of the registered secret. */
  shown: string;
  planFile?: string;
}

/** The fixture chart at base; at head the same plus `templates`. */
async function planWith(templates: Record<string, string>): Promise<Run> {
  const dir = await mkdtemp(join(root, "c-"));
  for (const side of ["base", "head"]) {
    await mkdir(join(dir, side), { recursive: true });
    await cp(FIXTURE, join(dir, side, "charts/web"), { recursive: true });
  }
  for (const [name, text] of Object.entries(templates)) await writeFile(join(dir, "head/charts/web/templates", name), text);
  const project: Project = { name: "web", dir: "charts/web", workspace: "default", runner: "helm", helm: { namespace: "apps" } };
  const redact = createRedactor({ secrets: [TOKEN] });
  let logged = "";
  const req: PlanRequest = {
    project,
    checkoutDir: join(dir, "head"),
    baseCheckoutDir: join(dir, "base"),
    dataDir: join(dir, "data"),
    extraArgs: [],
    env: {},
    timeoutMs: 60_000,
    redact,
    onOutput: (c) => {
      logged += c;
    },
    secretSet: { apiToken: TOKEN },
  };
  const outcome = await createHelmRunner({ helmBinary: helmPath }).plan(req, exec);
  const posted = outcome.ok
    ? { output: outcome.output, resources: outcome.summary.resources }
    : { failedStep: outcome.failedStep, message: outcome.message, output: outcome.output };
  return { outcome, shown: redact(JSON.stringify(posted) + logged), planFile: outcome.ok ? outcome.planFile : undefined };
}

function expectNoForm(shown: string): void {
  for (const form of FORMS) expect(shown).not.toContain(form);
}

const configMap = (name: string, data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data}`;

describe("a server secret shaped into a helm render never leaves", () => {
  it("control: a secret-derived value is shown as a keyed digest and the plan succeeds", async () => {
    const run = await planWith({ "dsn.yaml": configMap("dsn", '  dsn: "pg://u:{{ .Values.apiToken | upper }}@db"\n  plain: kept\n') });
    expect(run.outcome.ok).toBe(true);
    expect(run.shown).toMatch(/dsn: hmac:[0-9a-f]{12}/);
    expect(run.shown).toContain("plain: kept");
    expect(run.shown).toContain("`data.dsn` of ConfigMap/apps/dsn");
    expectNoForm(run.shown);
  });

  it("an object named after the secret fails the plan, naming the template and not the name", async () => {
    const run = await planWith({ "leak-name.yaml": configMap("cm-{{ .Values.apiToken | upper }}", "  a: b\n") });
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "secret-derived" });
    expect(run.shown).toContain("a ConfigMap (from web/templates/leak-name.yaml) exists only with the real secrets");
    expectNoForm(run.shown);
  });

  it("a map key made of the secret fails the plan; the note does not print the key", async () => {
    const run = await planWith({
      "leak-key.yaml": configMap(
        "keys",
        '  {{ .Values.apiToken | upper }}: x\n  plain: y\n  {{ .Values.apiToken | splitList "" | join "-" }}: z\n',
      ),
    });
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "secret-derived" });
    expect(run.shown).toContain("a key under `data` of ConfigMap/apps/keys derives from a secret");
    expectNoForm(run.shown);
  });

  it("a label key or value made of the secret: the key fails the plan", async () => {
    const run = await planWith({
      "leak-label.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n  labels:\n    tok-{{ .Values.apiToken | upper }}: "1"\ndata:\n  a: b\n`,
    });
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "secret-derived" });
    expect(run.shown).toContain("a key under `metadata.labels` of ConfigMap/apps/labelled derives from a secret");
    expectNoForm(run.shown);
  });

  it("a template's own error made of the secret is not shown; the placeholder render's error is", async () => {
    const run = await planWith({ "fail.yaml": '{{ fail (printf "bad token %s" (.Values.apiToken | upper)) }}\n' });
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "template (head)" });
    expect(run.shown).toContain("it depends on a secret, so it is not shown");
    expect(run.shown).toContain("bad token");
    expectNoForm(run.shown);
  });

  it("control: an error that does not depend on the secret is shown as helm gave it", async () => {
    const run = await planWith({ "fail.yaml": '{{ fail "plain failure" }}\n' });
    expect(run.outcome).toMatchObject({ ok: false, failedStep: "template (head)" });
    expect(run.shown).toContain("plain failure");
    expect(run.shown).not.toContain("not shown");
  });

  it("a checksum of a rendered Secret is never posted, in plain or as any sha256 a guess could be checked against", async () => {
    const run = await planWith({
      "tok-secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tok\nstringData:\n  t: {{ .Values.apiToken }}\n",
      "dep.yaml":
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels:\n    sum: {{ .Values.apiToken | sha256sum | trunc 40 }}\nspec:\n  template:\n    metadata:\n      annotations:\n        checksum/secrets: {{ include (print $.Template.BasePath "/tok-secret.yaml") . | sha256sum }}\n',
    });
    expect(run.outcome.ok).toBe(true);
    const rendered = await readFile(run.planFile ?? "", "utf8");
    const checksum = rendered.match(/checksum\/secrets: ([0-9a-f]{64})/)?.[1] ?? "";
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(run.shown).not.toContain(checksum.slice(0, 12));
    expect(run.shown).not.toContain(createHash("sha256").update(TOKEN).digest("hex").slice(0, 12));
    expect(run.shown).toContain("`spec.template.metadata.annotations.checksum/secrets` of Deployment/apps/d");
    expect(run.shown).toContain("`metadata.labels.sum` of Deployment/apps/d");
    expectNoForm(run.shown);
  });

  it("a checksum of a Secret made of no server secret (the chart's own values) is posted only as a keyed digest", async () => {
    const run = await planWith({
      "dep.yaml":
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    secret-hash: {{ .Values.dbPassword | sha1sum }}\nspec:\n  template:\n    metadata:\n      annotations:\n        checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}\n',
    });
    expect(run.outcome.ok).toBe(true);
    const rendered = await readFile(run.planFile ?? "", "utf8");
    const checksum = rendered.match(/checksum\/secret: ([0-9a-f]{64})/)?.[1] ?? "";
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(run.shown).not.toContain(checksum.slice(0, 12));
    expect(run.shown).not.toContain(createHash("sha1").update("fixture-db-password-1").digest("hex").slice(0, 12));
    expect(run.shown).toMatch(/checksum\/secret: hmac:[0-9a-f]{12}/);
    expect(run.shown).toMatch(/secret-hash: hmac:[0-9a-f]{12}/);
  });
});
