import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import Database from "better-sqlite3";
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
const PLAN_ROLE = "arn:aws:iam::123456789012:role/sluice-prod-plan";
const APPLY_ROLE = "arn:aws:iam::123456789012:role/sluice-prod-apply";
const PREVIEW_PLAN_VALUE = "preview-only-plan-value-8812";
const PREVIEW_APPLY_VALUE = "preview-only-apply-value-9923";
const PREVIEW_PLAN_ROLE = "arn:aws:iam::123456789012:role/sluice-preview-plan";
const PREVIEW_APPLY_ROLE = "arn:aws:iam::123456789012:role/sluice-preview-apply";

let h: Harness;
let url: string;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  h = await startHarness({
    port,
    env: {
      SLUICE_PUBLIC_URL: url,
      SERVER_PLAN_SECRET: PLAN_VALUE,
      SERVER_APPLY_SECRET: APPLY_VALUE,
      SERVER_PREVIEW_PLAN: PREVIEW_PLAN_VALUE,
      SERVER_PREVIEW_APPLY: PREVIEW_APPLY_VALUE,
    },
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
      "    preview:",
      "      plan:",
      '        env: { PLAN_SECRET: "env:SERVER_PREVIEW_PLAN" }',
      `        oidc: { audience: sts.amazonaws.com, aws_role_arn: "${PREVIEW_PLAN_ROLE}" }`,
      "      apply:",
      '        env: { APPLY_SECRET: "env:SERVER_PREVIEW_APPLY" }',
      `        oidc: { audience: sts.amazonaws.com, aws_role_arn: "${PREVIEW_APPLY_ROLE}" }`,
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
  it("a preview's plan and apply get the rule's preview sets, never production's; their tokens say preview-plan and preview-apply", async () => {
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
    expect(previewPlan).toContain(`PLAN_SECRET=${PREVIEW_PLAN_VALUE}`);
    expect(previewPlan).toContain(`AWS_ROLE_ARN=${PREVIEW_PLAN_ROLE}`);
    expect(previewPlan).not.toContain(PLAN_VALUE);
    // Control: the PR's own plan of production got production's plan set.
    const prodPlan = plans.find((f) => f.name.endsWith(".txt") && !f.text.includes(`TF_WORKSPACE=${workspace}`))?.text ?? "";
    expect(prodPlan).toContain(`PLAN_SECRET=${PLAN_VALUE}`);
    for (const f of plans) {
      for (const never of [APPLY_VALUE, APPLY_ROLE, PREVIEW_APPLY_VALUE, "run-credentials/apply-"]) expect(f.text).not.toContain(never);
    }
    const planTokens = await Promise.all(plans.filter((f) => f.name.endsWith(".token")).map((f) => verify(f.text)));
    expect(planTokens.map((p) => [p.workspace, p.phase])).toContainEqual([workspace, "preview-plan"]);
    expect(planTokens.map((p) => [p.workspace, p.phase])).toContainEqual(["default", "plan"]);

    const applies = await dumps(seen, "apply");
    const applyText = applies.find((f) => f.name.endsWith(".txt"))?.text ?? "";
    expect(applyText).toContain(`TF_WORKSPACE=${workspace}`);
    expect(applyText).toContain(`APPLY_SECRET=${PREVIEW_APPLY_VALUE}`);
    expect(applyText).toContain(`AWS_ROLE_ARN=${PREVIEW_APPLY_ROLE}`);
    // Production's apply set never reaches a preview, approved or not.
    for (const never of [APPLY_VALUE, APPLY_ROLE, PLAN_VALUE]) expect(applyText).not.toContain(never);
    const applyToken = applies.find((f) => f.name.endsWith(".token"))?.text ?? "";
    const payload = await verify(applyToken);
    expect(payload).toMatchObject({
      repository: "acme/preview-creds",
      project: "app",
      workspace,
      phase: "preview-apply",
      pull_request: pr.number,
    });
    expect(payload.sub).toContain(`:workspace:${workspace}:phase:preview-apply`);

    const all = bot()
      .map((c) => c.body)
      .join("\n");
    const tokens = [...plans, ...applies]
      .filter((f) => f.name.endsWith(".token"))
      .map((f) => f.text.trim())
      .filter(Boolean);
    for (const never of [PLAN_VALUE, APPLY_VALUE, PREVIEW_PLAN_VALUE, PREVIEW_APPLY_VALUE, ...tokens]) expect(all).not.toContain(never);

    // The stored job logs (the console's live log): the script's line is there, its values redacted,
    // the preview plan's credentials included (they join the secrets after its request was built).
    const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
    try {
      const logs = (db.prepare("SELECT text FROM job_logs ORDER BY job_id, seq").all() as { text: string }[]).map((r) => r.text).join("");
      expect(logs).toContain("dumped PLAN_SECRET=");
      for (const never of [PLAN_VALUE, APPLY_VALUE, PREVIEW_PLAN_VALUE, PREVIEW_APPLY_VALUE]) expect(logs).not.toContain(never);
    } finally {
      db.close();
    }
  }, 300_000);
});
