import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { bot, completed, FINAL, nextSecond, planRows, say, stateInputs } from "./trust-holes-support.js";

// Issue #10, items 3 and 6: an apply applies exactly the plan that was verified and approved.

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "sluice-trust-plans-"));
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function grant(h: Harness, name: string) {
  for (const u of ["alice", "bob", "carol"]) h.sim.setPermission(`acme/${name}`, u, "write");
}

/** `count = var.n`, `input = var.x`: a second plan with other -var values has other counts and values. */
const varProject = (state: string) =>
  statefulProject(
    "app",
    state,
    0,
    `variable "n" {\n  default = 1\n}\n\nvariable "x" {\n  default = "old"\n}\n\nresource "terraform_data" "v" {\n  count = var.n\n  input = var.x\n}\n`,
  );

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

describe("issue #10.3: a plan swapped under an apply", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_requirements: [approved]\n", env: { SLUICE_SANDBOX_PATHS: stateDir } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function plannedPr(name: string) {
    grant(h, name);
    const state = join(stateDir, `${name}.tfstate`);
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "app/main.tf": statefulProject("app", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "vars", files: { "app/main.tf": varProject(state) } });
    const pr = await h.sim.openPullRequest(repo, { head: "vars", author: "alice" });
    expect((await completed(h, repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");
    return { repo, pr, state };
  }

  it("a /plan that lands while the apply's check-run creation is held never gets applied", async () => {
    const { repo, pr, state } = await plannedPr("swap-race");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");

    // GitHub holds the apply's first check-run creation (as a rate limit would) until released.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    h.sim.failNext({
      method: "POST",
      pathPattern: new RegExp(`^/repos/${repo.fullName}/check-runs$`),
      holdUntil: gate,
      onHeld: () => {
        held = true;
      },
    });
    const isApply = (body: string) => body.includes("### Sluice apply for");
    const isNewPlan = (body: string) => body.includes("### Sluice plan for") && body.includes("-var n=3");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    try {
      await h.sim.waitFor(() => held, { message: "the apply never created its check run", timeoutMs: 60_000 });
      // Meanwhile a new plan with other values (and other counts) is made.
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -- -var n=3 -var x=new" });
      // A fixed app may hold the project's run lock while the apply waits: then this plan waits too.
      // Either way it must not change what the apply applies, so stop waiting well before the
      // app's own GitHub request timeout (30 s).
      await h.sim
        .waitFor(() => bot(h, repo, pr.number).some((c) => isNewPlan(c.body) && FINAL.test(c.body)), { timeoutMs: 20_000 })
        .catch(() => undefined);
    } finally {
      release();
    }
    await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => isApply(c.body) && FINAL.test(c.body)), {
      message: "the apply did not finish",
      timeoutMs: 120_000,
    });
    const reply = bot(h, repo, pr.number).find((c) => isApply(c.body))?.body ?? "";
    const applied = await stateInputs(state);
    if (Object.keys(applied).length === 0) {
      // Refused: the plan it verified is no longer the one to apply.
      expect(reply).toMatch(/the saved plan|stale|plan was replaced/);
    } else {
      // Applied: exactly the verified plan (one resource, the old value), and the comment says so.
      expect(applied, reply).toEqual({ "terraform_data.v[0]": "old" });
      expect(reply).toContain("`+1 ~0 -0`");
    }
  });

  it("each plan has its own file: a second /plan never rewrites the first plan's file", async () => {
    const { repo, pr } = await plannedPr("plan-files");
    const [first] = planRows(h.app.dataDir, repo, pr.number);
    expect(first).toBeDefined();
    await say(h, repo, pr.number, "bob", "/plan -- -var n=2 -var x=new");
    const rows = planRows(h.app.dataDir, repo, pr.number);
    expect(rows).toHaveLength(2);
    const [a, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
    expect(a.id).toBe(first?.id);
    expect(b.plan_path).not.toBe(a.plan_path);
    // Immutable once written: the first file is either removed with its superseded plan or still
    // byte for byte what was hashed; never another plan's content under its path.
    expect(["missing", a.plan_hash]).toContain(await sha256(a.plan_path).catch(() => "missing"));
    expect(await sha256(b.plan_path)).toBe(b.plan_hash);
  });
});

describe("issue #10.6: apply on merge after the base moved", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: [approved]\n", env: { SLUICE_SANDBOX_PATHS: stateDir } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("same addresses and actions but another planned value at the merge commit: nothing applied, the PR says why", async () => {
    const name = "merge-moved-value";
    grant(h, name);
    const state = join(stateDir, `${name}.tfstate`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: terraform's own interpolation, written into a .tf file
    const resource = 'resource "terraform_data" "app" {\n  input = "v1-${local.tag}"\n}\n';
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { "app/main.tf": statefulProject("app", state, 0), "app/locals.tf": 'locals {\n  tag = "reviewed"\n}\n' },
    });
    await h.sim.pushBranch(repo, { branch: "v1", files: { "app/main.tf": statefulProject("app", state, 0, resource) } });
    const pr = await h.sim.openPullRequest(repo, { head: "v1", author: "alice" });
    expect((await completed(h, repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");
    expect(bot(h, repo, pr.number)[0]?.body).toContain("v1-reviewed");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "bob");

    // After the approval, main changes a value the project uses (an image tag, say).
    await h.sim.pushBranch(repo, { branch: "main", files: { "app/locals.tf": 'locals {\n  tag = "unreviewed"\n}\n' } });
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    // A refusal's check is completed before its comment is (the PR's apply slot is freed between).
    await h.sim.waitFor(() => !/🔄 running|⏳ queued/.test(bot(h, repo, pr.number)[1]?.body ?? "🔄 running"), {
      message: "the apply's comment was not posted",
      timeoutMs: 30_000,
    });
    const reply = bot(h, repo, pr.number)[1]?.body ?? "";
    expect(await stateInputs(state), reply).toEqual({});
    expect(await stateResources(state)).toEqual([]);
    expect(reply).toContain("other changes than the approved plan");
    expect(check.conclusion).toBe("failure");
  });
});
