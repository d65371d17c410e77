import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmBinary } from "../../runners/helm/helm-binary.js";
import { installHelm } from "../../scripts/install-helm.js";
import { fixtureFiles } from "../support/fixture-files.js";
import { type Harness, startHarness } from "../support/harness.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures");
const PASSWORD = "Tr0ub4dor&3 exporter/pw!";

let h: Harness;
beforeAll(async () => {
  await installHelm();
  h = await startHarness({
    serverConfig: "secrets:\n  exporter_db: env:EXPORTER_DB_PASSWORD\n",
    env: { EXPORTER_DB_PASSWORD: PASSWORD },
  });
  h.sim.addUser("alice");
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const config =
  "version: 1\nprojects:\n  - name: exporter\n    dir: charts/exporter\n    runner: helm\n    helm:\n      secret_set:\n        password: exporter_db\n";

/** `helm template` of the fixture chart with a password, as the test computes it, apart from Sluice. */
async function render(password: string, values: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "secret-render-"));
  try {
    await writeFile(join(dir, "pw"), password);
    await writeFile(join(dir, "values.yaml"), values);
    const { stdout } = await promisify(execFile)(helmBinary(), [
      "template",
      "exporter",
      `${FIXTURES}/charts/exporter`,
      "--values",
      join(dir, "values.yaml"),
      "--set-file",
      `password=${join(dir, "pw")}`,
    ]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every value of the real render that another password changes: what a reader could test a guess
 * against (a checksum, a digest, base64 of a concatenation, an escaped DSN), found line by line.
 */
async function secretDependentValues(values: string): Promise<string[]> {
  const real = (await render(PASSWORD, values)).split("\n");
  const other = (await render("a-different-password-0000", values)).split("\n");
  expect(real.length).toBe(other.length);
  const found: string[] = [];
  real.forEach((line, i) => {
    if (line === other[i]) return;
    const value = line
      .slice(line.indexOf(":") + 1)
      .trim()
      .replace(/^"|"$/g, "");
    if (value !== "") found.push(value);
  });
  return found;
}

describe("nothing derived from a server-held secret is posted", () => {
  it("checksums, digests, base64 of a concatenation and a DSN show as keyed digests, each field named; no posted text checks a guess", async () => {
    const chart = await fixtureFiles(`${FIXTURES}/charts/exporter`, "charts/exporter");
    const values = chart["charts/exporter/values.yaml"] as string;
    const headValues = values.replace("enabled: false", "enabled: true").replace("replicas: 1", "replicas: 2");
    const repo = await h.sim.createRepo({ owner: "acme", name: "exporter", files: { ".sluice.yaml": config, ...chart } });
    await h.sim.pushBranch(repo, { branch: "enable", files: { "charts/exporter/values.yaml": headValues } });
    const pr = await h.sim.openPullRequest(repo, { head: "enable", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 90_000,
    });
    const checks = h.sim.checkRuns(repo, pr.headSha);
    const comments = h.sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]");
    const posted = [...comments.map((c) => c.body), JSON.stringify(checks)].join("\n");
    const body = comments.map((c) => c.body).join("\n");

    expect(checks.find((c) => c.name === "sluice/plan")?.conclusion).toBe("success");
    expect(body).toContain("+1 ~1 -0");
    // The plan still shows what changed, and names each field it shows as a digest.
    expect(body).toMatch(/\+\s+replicas: 2/);
    expect(body).toContain("derive from a server-held secret");
    for (const field of [
      "`spec.template.metadata.annotations.checksum/secrets` of Deployment/default/exporter",
      // The ConfigMap holds values derived from the password, so its checksum is derived too.
      "`spec.template.metadata.annotations.checksum/config` of Deployment/default/exporter",
      "`data.dsn` of ConfigMap/default/exporter-conn",
      "`data.basic` of ConfigMap/default/exporter-conn",
      "`data.passwordDigest` of ConfigMap/default/exporter-conn",
      "`spec.template.spec.containers.0.env.0.value` of Deployment/default/exporter",
    ])
      expect(body).toContain(field);
    expect(body).toMatch(/checksum\/secrets: hmac:[0-9a-f]{12}/);

    // The canary check: for the one secret this chart uses, every value that depends on it, at base and head.
    const dependent = [...(await secretDependentValues(values)), ...(await secretDependentValues(headValues))];
    expect(dependent.length).toBeGreaterThanOrEqual(8);
    for (const value of dependent) expect(posted, `posted: ${value}`).not.toContain(value);
    expect(posted).not.toContain(PASSWORD);
    expect(body).not.toMatch(/[0-9a-f]{64}/);
  });
});
