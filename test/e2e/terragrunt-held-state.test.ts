// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt and Terraform (HCL) text
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { type HttpStateBackend, startHttpStateBackend } from "../support/http-state-backend.js";
import { storeRows } from "../support/previews.js";
import { completed, say } from "./trust-holes-support.js";

/**
 * A Terragrunt unit whose backend refused the state its apply made: Sluice keeps it and holds
 * the unit, and the one way out it names (`/state push-errored`) must work for a unit too.
 */
const STAND_IN = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));

let h: Harness;
let http: HttpStateBackend;
beforeAll(async () => {
  h = await startHarness({ serverConfig: `apply_requirements: []\nterragrunt_binary: ${STAND_IN}\n` });
  http = await startHttpStateBackend();
}, 180_000);
afterAll(async () => {
  await http?.close();
  await h?.stop();
});

const MODULE = (n: number) =>
  Array.from({ length: n }, (_, i) => `resource "terraform_data" "svc_${i}" {\n  input = "svc-${i}"\n}\n`).join("\n");

const unit = () =>
  [
    "remote_state {",
    '  backend = "http"',
    '  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite"\n  }',
    `  config = {\n    address = "${http.url}"\n  }`,
    "}",
    'terraform {\n  source = "../modules/svc"\n}\n',
  ].join("\n");

const names = (state: string | undefined) =>
  ((JSON.parse(state ?? "{}") as { resources?: { name: string }[] }).resources ?? []).map((r) => r.name).sort();

describe("a held Terragrunt unit", () => {
  it("its kept state is pushed by /state push-errored into the unit's backend, and the hold released", async () => {
    h.sim.setPermission("acme/tg-held", "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "tg-held",
      files: { "modules/svc/main.tf": MODULE(1), "db/terragrunt.hcl": unit() },
    });
    await h.sim.pushBranch(repo, { branch: "more", files: { "modules/svc/main.tf": MODULE(2), "db/terragrunt.hcl": `${unit()}\n` } });
    http.refuseWrites = true;
    const pr = await h.sim.openPullRequest(repo, { head: "more", author: "alice" });
    expect((await completed(h, repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");

    const reply = await say(h, repo, pr.number, "alice", "/apply");
    expect(http.posts).toBeGreaterThan(0);
    expect(http.state).toBeUndefined();
    expect(reply).toContain("/state push-errored -p db");
    const open = () => storeRows<{ id: number }>(h, "SELECT id FROM state_holds WHERE repo = ? AND released_at IS NULL", repo.fullName);
    expect(open()).toHaveLength(1);
    // The backend that refused it is kept with it (a digest): the push goes there only.
    const kept = storeRows<{ backend: string | null }>(h, "SELECT backend FROM state_holds WHERE repo = ?", repo.fullName);
    expect(kept[0]?.backend).toMatch(/^[0-9a-f]{64}$/);
    // What units do not take is said, not run.
    const imported = await say(h, repo, pr.number, "alice", "/import terraform_data.svc_0 x -p db", "take no");
    expect(imported).toContain("only `/state push-errored`");

    http.refuseWrites = false;
    const pushed = await say(h, repo, pr.number, "alice", "/state push-errored -p db", "state push-errored");
    expect(pushed).not.toContain("no state to");
    expect(pushed).not.toContain("❌");
    expect(names(http.state)).toEqual(["svc_0", "svc_1"]);
    expect(open()).toHaveLength(0);
  }, 300_000);
});
