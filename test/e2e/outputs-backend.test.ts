import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend, workflowNamingBackend } from "../support/http-state-backend.js";
import { untilIdle } from "../support/until-idle.js";
import { bot, completed, say } from "./trust-holes-support.js";

/**
 * A producer's outputs are read from the state its plans and applies use: a workflow whose init
 * names the backend (`-backend-config`) names it for the read too, never the bare block's fallback.
 */
let h: Harness;
let prod: HttpStateBackend;
let fallback: HttpStateBackend;

beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_requirements: []\nallow_custom_workflows: ["acme/*"]\n' });
  prod = await startHttpStateBackend();
  fallback = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await prod?.close();
  await fallback?.close();
  await h?.stop();
});

const config = () =>
  [
    "version: 3",
    "projects:",
    "  - name: network",
    "    dir: network",
    "    workflow: prod",
    "  - name: app",
    "    dir: app",
    "    inputs_from:",
    "      vpc_id: network.vpc_id",
    "workflows:",
    ...workflowNamingBackend("prod", prod.url),
    "",
  ].join("\n");

const network = (vpc: string) =>
  `${httpBackendBlock(fallback.url)}resource "terraform_data" "vpc" {\n  input = "${vpc}"\n}\n\noutput "vpc_id" {\n  value = terraform_data.vpc.output\n}\n`;

const app = (revision: number) =>
  `variable "vpc_id" {\n  type = string\n}\n\nresource "terraform_data" "app" {\n  input = "\${var.vpc_id} r${revision}"\n}\n`;

describe("a producer's outputs", () => {
  it("are read from the backend its workflow names", async () => {
    h.sim.setPermission("acme/outputs-backend", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "outputs-backend",
      files: { "atlantis.yaml": config(), "network/main.tf": network("vpc-old"), "app/main.tf": app(1) },
    });
    // network applied through its workflow: its state (vpc_id = vpc-prod) is in prod.
    await h.sim.pushBranch(repo, { branch: "net", files: { "network/main.tf": network("vpc-prod") } });
    const first = await h.sim.openPullRequest(repo, { head: "net", author: "alice" });
    await completed(h, repo, first.headSha, "sluice/plan");
    await say(h, repo, first.number, "alice", "/apply");
    expect(prod.state).toContain("vpc-prod");
    await h.sim.closePullRequest(repo, first.number);
    // Its locks (network's, and app's, planned as its dependent) go once the close is handled: a
    // PR opened before that is refused by them (and planned again later).
    await untilIdle(h.app.dataDir);
    // The fallback holds another state, with another vpc_id.
    fallback.state = (prod.state ?? "").replaceAll("vpc-prod", "vpc-fallback");

    // A change to app alone: network's outputs come from its state.
    await h.sim.pushBranch(repo, { branch: "app", from: "main", files: { "app/main.tf": app(2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "app", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const planned = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(
      planned,
      planned
        .split("\n")
        .filter((l) => l.includes("r2"))
        .join("\n"),
    ).toContain("vpc-prod r2");
    expect(planned).not.toContain("vpc-fallback");
  }, 300_000);
});
