import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { applyOutside } from "../support/apply-outside.js";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed, planRows, say } from "./trust-holes-support.js";

// Outputs between projects: `network`'s Terraform outputs flow into `app`'s variables
// (`inputs_from`) and into the `web` chart's values (`values_from`), inside one pull request.

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  await installHelm();
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  stateDir = await mkdtemp(join(h.stateDir, "outputs-"));
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const SECRET = "tok-Zq81-very-secret-value";
// A hostile string: helm's `--set` syntax, an HCL template and a newline must all stay one value.
const DOLLAR = "$";
const HOSTILE = `v2,evil=1 ${DOLLAR}{file("/etc/passwd")}`;

const backend = (name: string) => `terraform {\n  backend "local" {\n    path = "${join(stateDir, `${name}.tfstate`)}"\n  }\n}\n`;

const network = (vpc: string, tag: string) => `${backend("network")}
resource "terraform_data" "vpc" {
  input = "${vpc}"
}

output "vpc_id" {
  value = terraform_data.vpc.output
}

output "image_tag" {
  value = ${JSON.stringify(tag).replaceAll("${", () => "$${")}
}

output "token" {
  value     = "${SECRET}"
  sensitive = true
}
`;

const app = (revision: number) => `${backend("app")}
variable "vpc_id" {
  type    = string
  default = "none"
}

variable "token" {
  type      = string
  sensitive = true
}

resource "terraform_data" "app" {
  input = "\${var.vpc_id} r${revision}"
}

resource "terraform_data" "token" {
  input = var.token
}
`;

const SLUICE_YAML = `version: 1
projects:
  - name: network
    dir: network
  - name: app
    dir: app
    inputs_from:
      vpc_id: network.vpc_id
      token: network.token
  - name: web
    dir: web
    runner: helm
    values_from:
      image.tag: network.image_tag
      vpc: network.vpc_id
`;

const CHART = {
  "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "web/values.yaml": 'image:\n  tag: "none"\nvpc: "none"\n',
  "web/templates/cm.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tag: {{ .Values.image.tag | quote }}\n  vpc: {{ .Values.vpc | quote }}\n",
};

/** Comments as one text, markdown escapes of `_` undone. */
const text = (comments: { body: string }[]) =>
  comments
    .map((c) => c.body)
    .join("\n")
    .replaceAll("\\_", "_");

/** The `input` of a terraform_data resource in a local state file. */
async function stateInput(project: string, resource: string): Promise<unknown> {
  const state = JSON.parse(await readFile(join(stateDir, `${project}.tfstate`), "utf8")) as {
    resources: { name: string; instances: { attributes: { input: { value: unknown } } }[] }[];
  };
  return state.resources.find((r) => r.name === resource)?.instances[0]?.attributes.input.value;
}

/** Applies `network` at `vpc` outside Sluice (another pipeline), on the same state. */
const applyNetwork = (vpc: string) => applyOutside(tmpdir(), network(vpc, HOSTILE));

describe("outputs passed between projects", () => {
  it("flow into variables and chart values, known and known after apply; re-plan after apply; stale inputs refused", async () => {
    const name = "outputs";
    for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { ".sluice.yaml": SLUICE_YAML, "network/main.tf": network("vpc-1", "v1"), "app/main.tf": app(1), ...CHART },
    });
    await h.sim.pushBranch(repo, { branch: "both", files: { "network/main.tf": network("vpc-1", HOSTILE), "app/main.tf": app(2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "both", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const first = text(bot(h, repo, pr.number));
    // app: vpc_id is known only after network's apply (a new resource), and there is no state yet.
    expect(first).toContain("input vpc_id ← network.vpc_id is known only after network is applied");
    expect(first).toContain("left unset (nothing in its state yet)");
    // web: the planned tag is known now and reaches the chart as one value; the vpc is not known yet.
    expect(first).toContain("input vpc ← network.vpc_id is known only after network is applied");
    expect(first).toContain(`+  tag: ${HOSTILE}`);
    expect(first).not.toMatch(/^\s*[+-]?\s*evil:/m);
    // The sensitive output reached app (its plan has the token resource) and no comment shows it.
    expect(first).not.toContain(SECRET);

    // network alone: applied, and its dependents are planned again with the real values.
    const applied = await say(h, repo, pr.number, "bob", "/apply -p network");
    expect(applied).toMatch(/✅ applied/);
    expect(applied).toContain(
      "🔁 app takes outputs of network, just applied; web takes outputs of network, just applied: Sluice plans them again with the real values (/plan -p app, /plan -p web)",
    );
    await h.sim.waitFor(
      () => bot(h, repo, pr.number).filter((c) => c.body.includes("Triggered by `/plan -p app`") && /·\s*(✅|❌)/.test(c.body)).length > 0,
      {
        timeoutMs: 120_000,
        message: "no re-plan of app",
      },
    );
    await h.sim.waitFor(
      () => bot(h, repo, pr.number).filter((c) => c.body.includes("Triggered by `/plan -p web`") && /·\s*(✅|❌)/.test(c.body)).length > 0,
      {
        timeoutMs: 120_000,
        message: "no re-plan of web",
      },
    );
    const replans = text(bot(h, repo, pr.number).filter((c) => /Triggered by `\/plan -p (app|web)`/.test(c.body)));
    expect(replans).not.toContain("known only after");
    // web's vpc now comes from network's state: the rendered release that its apply would install has it.
    const webPlan = planRows(h.app.dataDir, repo, pr.number).find((p) => p.project === "web" && p.status === "pending");
    const rendered = await readFile(webPlan?.plan_path ?? "", "utf8");
    expect(rendered, replans).toContain('vpc: "vpc-1"');
    expect(rendered).toContain(`tag: ${JSON.stringify(HOSTILE)}`);
    expect(replans).not.toContain(SECRET);

    // Another pipeline applies network with a new vpc: app's plan used vpc-1, so its apply is refused.
    await applyNetwork("vpc-2");
    const refused = await say(h, repo, pr.number, "bob", "/apply -p app");
    expect(text([{ body: refused }])).toContain(
      "⛔ refused: inputs from network.vpc_id changed since this plan (network was applied); re-plan with /plan -p app",
    );
    await expect(readFile(join(stateDir, "app.tfstate"), "utf8")).rejects.toThrow();

    // Planned again, it takes vpc-2 and applies with it; the sensitive value went in as a variable.
    const replanned = await say(h, repo, pr.number, "bob", "/plan -p app");
    expect(replanned).toMatch(/✅/);
    const done = await say(h, repo, pr.number, "bob", "/apply -p app");
    expect(done).toMatch(/✅ applied/);
    expect(await stateInput("app", "app")).toBe("vpc-2 r2");
    expect(await stateInput("app", "token")).toBe(SECRET);
    expect(done).not.toContain(SECRET);
  });

  it("a cycle through inputs_from is a config error that names it", async () => {
    const name = "outputs-cycle";
    h.sim.setPermission(`acme/${name}`, "alice", "write");
    const cyclic = `version: 1
projects:
  - name: a
    dir: a
    inputs_from:
      x: b.out
  - name: b
    dir: b
    inputs_from:
      y: a.out
`;
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "a/main.tf": "", "b/main.tf": "" } });
    await h.sim.pushBranch(repo, { branch: "c", files: { ".sluice.yaml": cyclic, "a/main.tf": 'output "out" {\n  value = 1\n}\n' } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(body).toContain("inputs_from cycle: a -> b -> a");
    expect(body).toContain(".sluice.yaml is invalid");
  });

  it("a pull request's own mapping cannot take a sensitive output; an output the producer lacks is named", async () => {
    const name = "outputs-attack";
    h.sim.setPermission(`acme/${name}`, "alice", "write");
    const base =
      "version: 1\nprojects:\n  - name: network\n    dir: network\n  - name: app\n    dir: app\n  - name: other\n    dir: other\n";
    const leaking = `${base.replace("    dir: app\n", "    dir: app\n    inputs_from:\n      leak: network.token\n")}    inputs_from:\n      x: network.nope\n`;
    const variable = (v: string) => `variable "${v}" {\n  default = ""\n}\n\nresource "terraform_data" "r" {\n  input = var.${v}\n}\n`;
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: {
        ".sluice.yaml": base,
        "network/main.tf": network("vpc-9", "v9"),
        "app/main.tf": variable("leak"),
        "other/main.tf": variable("x"),
      },
    });
    const changed = { ".sluice.yaml": leaking, "network/main.tf": network("vpc-9", "v10"), "app/main.tf": `${variable("leak")}# 2\n` };
    await h.sim.pushBranch(repo, { branch: "leak", files: { ...changed, "other/main.tf": `${variable("x")}# 2\n` } });
    const pr = await h.sim.openPullRequest(repo, { head: "leak", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = text(bot(h, repo, pr.number));
    expect(body).toContain(
      "plan failed at inputs: input leak takes network.token, a sensitive output: a sensitive output is passed only through a mapping the default branch's config has",
    );
    expect(body).toContain("input x takes network.nope, but project network has no output `nope`; it has `image_tag`, `token`, `vpc_id`");
    expect(body).not.toContain(SECRET);
    expect(planRows(h.app.dataDir, repo, pr.number).map((p) => p.project)).toEqual(["network"]);
  });
});
