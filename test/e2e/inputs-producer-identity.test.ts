import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyOutside } from "../support/apply-outside.js";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

/**
 * A sensitive output passes between projects only through a mapping the base branch's config
 * has (`inputs_from: {token: network.token}`). The consumer was checked by its dir, but the
 * producer was found by the name the PR gave it: a PR that named the `vault` dir `network` had
 * vault's secret handed to app's code through network's trusted mapping.
 */
let h: Harness;
let stateDir: string;

const NET_TOKEN = "net-token-4f1c2a9e7b";
const VAULT_SECRET = "vault-root-secret-8d3b6e1f0a";
const backend = (name: string) => `terraform {\n  backend "local" {\n    path = "${join(stateDir, `${name}.tfstate`)}"\n  }\n}\n`;
const producer = (name: string, token: string) =>
  `${backend(name)}resource "terraform_data" "x" {\n  input = "${name}"\n}\noutput "token" {\n  value     = "${token}"\n  sensitive = true\n}\n`;
const app = (revision: number) =>
  `${backend("app")}variable "token" {\n  type      = string\n  sensitive = true\n}\nresource "terraform_data" "token" {\n  input = var.token\n}\nresource "terraform_data" "rev" {\n  input = "r${revision}"\n}\n`;
const config = (networkDir: string, otherDir: string) =>
  `version: 1\nprojects:\n  - name: network\n    dir: ${networkDir}\n  - name: other\n    dir: ${otherDir}\n  - name: app\n    dir: app\n    inputs_from:\n      token: network.token\n`;

/** Applies a producer outside Sluice (another pipeline), so its state holds its output. */
const applyProducer = (name: string, token: string) => applyOutside(tmpdir(), producer(name, token));

async function appToken(): Promise<unknown> {
  const text = await readFile(join(stateDir, "app.tfstate"), "utf8").catch(() => "{}");
  const state = JSON.parse(text) as { resources?: { name: string; instances: { attributes: { input: { value: unknown } } }[] }[] };
  return state.resources?.find((r) => r.name === "token")?.instances[0]?.attributes.input.value;
}

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  stateDir = await mkdtemp(join(h.stateDir, "producer-identity-"));
  await applyProducer("network", NET_TOKEN);
  await applyProducer("vault", VAULT_SECRET);
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

async function prWith(name: string, headConfig: string) {
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: {
      ".sluice.yaml": config("network", "vault"),
      "network/main.tf": producer("network", NET_TOKEN),
      "vault/main.tf": producer("vault", VAULT_SECRET),
      "app/main.tf": app(1),
    },
  });
  await h.sim.pushBranch(repo, { branch: "change", files: { ".sluice.yaml": headConfig, "app/main.tf": app(2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr };
}

describe("a sensitive output's producer is found by trusted identity", () => {
  it("the vault dir named `network` by the PR does not hand vault's secret to app", async () => {
    const { repo, pr } = await prWith("producer-renamed", config("vault", "network"));
    const reply = await say(h, repo, pr.number, "alice", "/apply -p app");
    expect(await appToken(), reply).not.toBe(VAULT_SECRET);
    const said = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    // The plan says why app took nothing: the refusal of a sensitive output without a trusted mapping.
    expect(said.replaceAll("\\_", "_")).toContain("a sensitive output is passed only through a mapping the default branch's config has");
    expect(said).not.toContain(VAULT_SECRET);
  });

  it("control: network's token reaches app through the trusted mapping", async () => {
    const { repo, pr } = await prWith("producer-kept", config("network", "vault"));
    const reply = await say(h, repo, pr.number, "alice", "/apply -p app");
    expect(await appToken(), reply).toBe(NET_TOKEN);
  });
});
