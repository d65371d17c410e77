import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { freePort } from "../support/start-app.js";

/**
 * A preview runs the PR's code with real terraform in the sandbox: its plan (the server's default
 * workflow runs the PR's dump script) must hold only the plan set, its apply (a local-exec
 * provisioner) the apply set with a token naming the preview's workspace.
 */
const PLAN_VALUE = "preview-plan-value-5772";
const APPLY_VALUE = "preview-apply-value-6931";
const PLAN_ROLE = "arn:aws:iam::123456789012:role/sluice-preview-plan";
const APPLY_ROLE = "arn:aws:iam::123456789012:role/sluice-preview-apply";

let h: Harness;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  h = await startHarness({
    port,
    env: { SLUICE_PUBLIC_URL: url, SERVER_PLAN_SECRET: PLAN_VALUE, SERVER_APPLY_SECRET: APPLY_VALUE },
    serverConfig: [
      "allowed_overrides: [preview]",
      // A preview's workspace is no project of the repo config: it runs the server's default workflow.
      "default_workflow: dump",
      "workflows:",
      "  dump:",
      "    plan:",
      "      steps: [init, { run: sh ../dump.sh plan }, plan]",
      "credentials:",
      '  - match: "acme/preview-creds:app"',
      "    plan:",
      '      env: { PLAN_SECRET: "env:SERVER_PLAN_SECRET" }',
      `      oidc: { audience: sts.amazonaws.com, aws_role_arn: "${PLAN_ROLE}" }`,
      "    apply:",
      '      env: { APPLY_SECRET: "env:SERVER_APPLY_SECRET" }',
      `      oidc: { audience: sts.amazonaws.com, aws_role_arn: "${APPLY_ROLE}" }`,
      "",
    ].join("\n"),
  });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const config = `version: 1
projects:
  - name: app
    dir: app
    preview:
      workspace: "pr-{number}"
      ttl: 72h
`;

const appTf = (dir: string, version: string) => `terraform {
  backend "local" {
    path          = "${join(dir, "prod.tfstate")}"
    workspace_dir = "${join(dir, "ws")}"
  }
}
resource "terraform_data" "web" {
  input = "\${terraform.workspace}-${version}"
}
resource "terraform_data" "dump" {
  input = "${version}"
  provisioner "local-exec" {
    command = "sh ../dump.sh apply"
  }
}
`;

/** The dumps the PR's script wrote (`PHASE-app-NANOS.txt` and `.token`), by phase. */
async function dumps(seen: string, phase: string) {
  const names = (await readdir(seen).catch(() => [] as string[])).filter((f) => f.startsWith(`${phase}-app-`)).sort();
  return Promise.all(names.map(async (f) => ({ name: f, text: await readFile(join(seen, f), "utf8") })));
}

describe("preview credentials", () => {
  it("a preview's plan holds only the plan set; its apply, after the gate, the apply set and a token naming pr-N", async () => {
    const seen = join(h.stateDir, "preview-creds-seen");
    await mkdir(seen, { recursive: true });
    const script = (await readFile(join(import.meta.dirname, "../fixtures/credentials/dump.sh"), "utf8"))
      .replaceAll("@SEEN@", seen)
      .replaceAll("@DATA@", h.app.dataDir);
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "preview-creds",
      files: { ".sluice.yaml": config, "dump.sh": script, "app/main.tf": appTf(h.stateDir, "v1") },
    });
    h.sim.setPermission(repo, "alice", "write");
    await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(h.stateDir, "v2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice", title: "feature" });
    const workspace = `pr-${pr.number}`;
    const bot = () => h.sim.comments(repo, pr.number).filter((c) => c.user === "sluice[bot]");
    await h.sim.waitFor(() => bot().some((c) => c.body.includes("previews of this pull request") && c.body.includes("✅ live")), {
      timeoutMs: 180_000,
      message: "no live preview",
    });
    await h.sim.waitFor(async () => (await dumps(seen, "apply")).some((f) => f.name.endsWith(".token")), {
      timeoutMs: 60_000,
      message: "the preview's apply did not run its provisioner",
    });

    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const verify = async (token: string) => (await jwtVerify(token, jwks, { issuer: url, audience: "sts.amazonaws.com" })).payload;

    // The PR's own plan of production and the preview's plan both ran the script; the preview's
    // is the one in its workspace, and its token says so.
    const plans = await dumps(seen, "plan");
    const previewPlan = plans.find((f) => f.name.endsWith(".txt") && f.text.includes(`TF_WORKSPACE=${workspace}`))?.text ?? "";
    expect(previewPlan).toContain(`PLAN_SECRET=${PLAN_VALUE}`);
    for (const f of plans) {
      for (const never of [APPLY_VALUE, APPLY_ROLE, "APPLY_SECRET", "run-credentials/apply-"]) expect(f.text).not.toContain(never);
    }
    const planTokens = await Promise.all(plans.filter((f) => f.name.endsWith(".token")).map((f) => verify(f.text)));
    expect(planTokens.map((p) => [p.workspace, p.phase])).toContainEqual([workspace, "plan"]);
    expect(planTokens.every((p) => p.phase === "plan")).toBe(true);

    const applies = await dumps(seen, "apply");
    const applyText = applies.find((f) => f.name.endsWith(".txt"))?.text ?? "";
    expect(applyText).toContain(`TF_WORKSPACE=${workspace}`);
    expect(applyText).toContain(`APPLY_SECRET=${APPLY_VALUE}`);
    expect(applyText).toContain(`AWS_ROLE_ARN=${APPLY_ROLE}`);
    expect(applyText).not.toContain(PLAN_VALUE);
    const applyToken = applies.find((f) => f.name.endsWith(".token"))?.text ?? "";
    const payload = await verify(applyToken);
    expect(payload).toMatchObject({ repository: "acme/preview-creds", project: "app", workspace, phase: "apply", pull_request: pr.number });
    expect(payload.sub).toContain(`:workspace:${workspace}:phase:apply`);

    const all = bot()
      .map((c) => c.body)
      .join("\n");
    const tokens = [...plans, ...applies]
      .filter((f) => f.name.endsWith(".token"))
      .map((f) => f.text.trim())
      .filter(Boolean);
    for (const never of [PLAN_VALUE, APPLY_VALUE, ...tokens]) expect(all).not.toContain(never);
  }, 300_000);
});
