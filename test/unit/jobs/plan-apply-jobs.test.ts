import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import type { PullRequestInfo } from "../../../src/model/pull-request.js";
import type { PlanRecord } from "../../../src/store/store.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { FakeRunner, type FakeRunnerScript, summaryOf } from "../../fakes/fake-runner.js";

const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const REPO = { owner: "acme", name: "infra" };

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
  // A test that moved to "another replica" made this dir itself.
  if (deps?.dataDir.includes("sluice-replica-b-")) await rm(deps.dataDir, { recursive: true, force: true });
});

/** A repo whose PR changes `changed` (dir -> main.tf text) on top of `base`, plus optional config. */
async function setup(opts: {
  base?: Record<string, string>;
  head: Record<string, string>;
  script?: FakeRunnerScript;
  serverConfig?: string;
}) {
  const runner = new FakeRunner("terraform", opts.script);
  deps = await fakeJobDeps({ runners: { terraform: runner }, serverConfig: opts.serverConfig });
  deps.fakeWorkspace.commit(BASE, opts.base ?? {}).commit(HEAD, { ...opts.base, ...opts.head }, BASE);
  const pr = deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE });
  deps.vcs.permissions.set("alice", "write");
  return { runner, pr };
}

async function job(spec: JobSpec, pr = 1): Promise<Job> {
  const id = await deps.store.enqueueInternal({ installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr }, spec);
  const j = await deps.store.getJob(id);
  if (!j) throw new Error("job not stored");
  return j;
}

const autoplan = (): Promise<Job> => job({ kind: "plan", trigger: "autoplan", actor: "alice" });
const planComment = (actor = "alice", filter = {}): Promise<Job> =>
  job({ kind: "plan", trigger: "comment", command: { kind: "plan", filter, extraArgs: [] }, commandLine: "/plan", commentId: 9, actor });
const applyComment = (actor = "alice"): Promise<Job> =>
  job({ kind: "apply", trigger: "comment", command: { kind: "apply", filter: {} }, commandLine: "/apply", commentId: 10, actor });

const lastCheck = (name: string) =>
  deps.vcs.checks
    .filter((c) => c.name === name)
    .at(-1)
    ?.updates.at(-1);

describe("plan job (fake VCS, runner and workspace; SQLite in memory)", () => {
  it("plans the affected project, saves the plan with its hash, takes the lock, and reports it", async () => {
    const { runner } = await setup({ base: { "other/main.tf": "" }, head: { "app/main.tf": 'resource "terraform_data" "x" {}' } });
    await runJob(await autoplan(), deps);
    expect(runner.planned).toEqual(["app"]);
    const plans = await deps.store.pendingPlans("acme/infra", 1);
    expect(plans).toMatchObject([{ project: "app", dir: "app", workspace: "default", headSha: HEAD, baseSha: BASE }]);
    expect(await readFile(plans[0]?.planPath ?? "", "utf8")).toBe("plan of app default app\n");
    expect(await deps.store.locksOf("acme/infra", 1)).toMatchObject([{ dir: "app", pr: 1 }]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("app");
    expect(lastCheck("sluice/plan")).toMatchObject({ status: "completed", conclusion: "success" });
    expect(deps.fakeWorkspace.inUse).toBe(0);
  });

  it("refuses a /plan from a user without write access before anything is checked out", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    deps.vcs.permissions.set("mallory", "read");
    await runJob(await planComment("mallory"), deps);
    expect(runner.planned).toEqual([]);
    expect(deps.fakeWorkspace.checkouts).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toMatch(/Not planned/);
  });

  it("does not autoplan a pull request whose author may not plan: nothing checked out, nothing locked, said why", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE, author: "mallory" });
    deps.vcs.permissions.set("mallory", "read");
    await runJob(await autoplan(), deps);
    expect(runner.planned).toEqual([]);
    expect(deps.fakeWorkspace.checkouts).toEqual([]);
    expect(await deps.store.locksOf("acme/infra", 1)).toEqual([]);
    // The renderer keeps `@mallory` from being a mention with a zero-width space.
    expect(
      deps.vcs
        .bodiesOn(1)
        .join("\n")
        .replace(/\u200b/g, ""),
    ).toContain("Not planned automatically: @mallory needs write access to this repository to plan");
    // Control: the same autoplan, its author a writer, plans and locks.
    deps.vcs.permissions.set("mallory", "write");
    await runJob(await autoplan(), deps);
    expect(runner.planned).toEqual(["app"]);
    expect(await deps.store.locksOf("acme/infra", 1)).toMatchObject([{ dir: "app", pr: 1 }]);
  });

  it("tells a PR who holds the project's lock, and plans nothing there", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    const other = { installationId: 1, repo: REPO, cloneUrl: "x", pr: 2 };
    await deps.store.takeLock({ repo: "acme/infra", dir: "app", workspace: "default", project: "app", scope: "", pr: 2 }, other);
    await runJob(await autoplan(), deps);
    expect(runner.planned).toEqual([]);
    // The PR number is kept from being a mention with a zero-width space after the `#`.
    expect(deps.vcs.bodiesOn(1).join("\n")).toMatch(/locked by #\u200b?2: that pull request holds this project/);
    expect(await deps.store.pendingPlans("acme/infra", 1)).toEqual([]);
  });

  it("plans nothing on a closed pull request", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE, state: "closed" });
    await runJob(await autoplan(), deps);
    expect(runner.planned).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("closed");
  });

  it("yields to a newer /plan of the same PR and says so", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    const first = await planComment();
    const newer = await planComment();
    await runJob(first, deps);
    expect(runner.planned).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain(`Superseded by a newer \`/plan\` of this pull request (job ${newer.id})`);
  });

  it("does not yield to a newer /plan of a user who may not plan: a reader's comment cancels no plan (control: a writer's does)", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    deps.vcs.permissions.set("mallory", "read");
    const auto = await autoplan();
    const first = await planComment();
    const strangers = [await planComment("mallory"), await planComment("mallory")];
    await runJob(auto, deps);
    await runJob(first, deps);
    for (const j of strangers) await runJob(j, deps);
    // The autoplan yields to alice's own /plan; alice's plan runs, and the reader's are refused.
    expect(runner.planned).toEqual(["app"]);
    expect(deps.vcs.bodiesOn(1).join("\n")).not.toContain("Superseded by a newer `/plan` of this pull request (job");
    expect(deps.vcs.bodiesOn(1).join("\n")).toMatch(/Not planned/);
    expect(await deps.store.locksOf("acme/infra", 1)).toMatchObject([{ dir: "app", pr: 1 }]);
    // Control: a newer /plan of another writer stands in for alice's.
    deps.vcs.permissions.set("bob", "write");
    const again = await planComment();
    const bobs = await planComment("bob");
    await runJob(again, deps);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain(`Superseded by a newer \`/plan\` of this pull request (job ${bobs.id})`);
  });

  it("keeps two workspaces of one dir apart: each its own plan file and record", async () => {
    const config = [
      "version: 1",
      "projects:",
      "  - { name: app, dir: app }",
      "  - { name: app-staging, dir: app, workspace: staging }",
      "",
    ].join("\n");
    const { runner } = await setup({ head: { "app/main.tf": "", ".sluice.yaml": config } });
    await runJob(await autoplan(), deps);
    expect(runner.planned.sort()).toEqual(["app", "app-staging"]);
    const plans = await deps.store.pendingPlans("acme/infra", 1);
    expect(plans.map((p) => [p.project, p.workspace])).toEqual([
      ["app", "default"],
      ["app-staging", "staging"],
    ]);
    expect(await readFile(plans[1]?.planPath ?? "", "utf8")).toBe("plan of app staging app-staging\n");
    expect(plans[0]?.planPath).not.toBe(plans[1]?.planPath);
  });

  it("refuses a plan file the sandbox left as a symlink: what it points to is neither read into the store nor chmod-ed", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    const secret = join(deps.dataDir, "session-secret");
    await writeFile(secret, "the console's key\n", { mode: 0o600 });
    const plan = runner.plan.bind(runner);
    // A provider run by `terraform show` in the sandbox (the data dir is writable there) swaps the plan.
    runner.plan = async (req) => {
      const outcome = await plan(req);
      if (outcome.ok) {
        await rm(outcome.planFile);
        await symlink(secret, outcome.planFile);
      }
      return outcome;
    };
    await runJob(await autoplan(), deps);
    expect(await deps.store.pendingPlans("acme/infra", 1)).toEqual([]);
    expect((await stat(secret)).mode & 0o777).toBe(0o600);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("the plan file is not a regular file");
    expect(lastCheck("sluice/plan")).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  /** `app` depending on `net` (config version `version` in `file`), autoplanned: net's plan fails. */
  async function netBrokenUnderApp(version: number, file: string): Promise<FakeRunner> {
    const config = [
      `version: ${version}`,
      "projects:",
      "  - { name: net, dir: net }",
      "  - { name: app, dir: app, depends_on: [net] }",
      "",
    ].join("\n");
    const { runner } = await setup({
      head: { "net/main.tf": "", "app/main.tf": "", [file]: config },
      script: {
        plan: (p) =>
          p.name === "net"
            ? { ok: false, failedStep: "plan", message: "net is broken", output: "", durationMs: 1 }
            : { ok: true, summary: summaryOf(1) },
      },
    });
    await runJob(await autoplan(), deps);
    return runner;
  }

  it("does not plan a project whose dependency failed to plan", async () => {
    const runner = await netBrokenUnderApp(1, ".sluice.yaml");
    expect(runner.planned).toEqual(["net"]);
    const body = deps.vcs.bodiesOn(1).join("\n");
    expect(body).toContain("net is broken");
    expect(body).toContain("depends on `net`");
    expect(lastCheck("sluice/plan")).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("atlantis.yaml: plans a project whose dependency failed to plan (depends_on gates the apply only), and says so", async () => {
    const runner = await netBrokenUnderApp(3, "atlantis.yaml");
    expect(runner.planned.sort()).toEqual(["app", "net"]);
    const body = deps.vcs.bodiesOn(1).join("\n");
    expect(body).toContain("net is broken");
    expect(body).toContain("depends on `net`: it is applied after it, and not when its apply fails");
  });
});

describe("apply job (fake VCS, runner and workspace; SQLite in memory)", () => {
  /** A plan of `app`, approved after it by a user with write access (the default requirement). */
  async function planned(): Promise<{ runner: FakeRunner; pr: PullRequestInfo }> {
    const s = await setup({ head: { "app/main.tf": "" } });
    await runJob(await autoplan(), deps);
    expect(s.runner.planned).toEqual(["app"]);
    deps.vcs.permissions.set("bob", "write");
    const later = new Date(Date.now() + 2000).toISOString();
    deps.vcs.reviewsOf.set(1, [{ user: "bob", state: "APPROVED", commitId: HEAD, submittedAt: later }]);
    return s;
  }

  const applyText = () => deps.vcs.bodiesOn(1).slice(1).join("\n");

  it("applies the saved plan of the live head for a user with write access", async () => {
    const { runner } = await planned();
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual(["app"]);
    const applied = runner.calls.find((c) => c.verb === "apply")?.request;
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    expect(plan).toBeUndefined(); // used once: applied plans are no longer pending
    expect(applied && "planFile" in applied && (await readFile(applied.planFile, "utf8"))).toBe("plan of app default app\n");
    expect(lastCheck("sluice/apply")).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("/apply -p of a dependent waits for its dependency's pending plan: depends_on is never stepped around by a filter (control: after it)", async () => {
    const config = ["version: 1", "projects:", "  - { name: net, dir: net }", "  - { name: app, dir: app, depends_on: [net] }", ""].join(
      "\n",
    );
    const { runner } = await setup({ head: { "net/main.tf": "", "app/main.tf": "", ".sluice.yaml": config } });
    await runJob(await autoplan(), deps);
    expect(runner.planned.sort()).toEqual(["app", "net"]);
    deps.vcs.permissions.set("bob", "write");
    deps.vcs.reviewsOf.set(1, [{ user: "bob", state: "APPROVED", commitId: HEAD, submittedAt: new Date(Date.now() + 2000).toISOString() }]);
    const applyOnly = async (project: string) =>
      runJob(
        await job({
          kind: "apply",
          trigger: "comment",
          command: { kind: "apply", filter: { project } },
          commandLine: `/apply -p ${project}`,
          commentId: 10,
          actor: "alice",
        }),
        deps,
      );
    await applyOnly("app");
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("`net`");
    expect((await deps.store.pendingPlans("acme/infra", 1)).map((p) => p.project).sort()).toEqual(["app", "net"]);
    // Control: once its dependency is applied, the dependent applies on its own.
    await applyOnly("net");
    await applyOnly("app");
    expect(runner.applied).toEqual(["net", "app"]);
  });

  it("refuses a stale plan: the PR's head moved after it", async () => {
    const { runner } = await planned();
    const moved = "c".repeat(40);
    deps.fakeWorkspace.commit(moved, { "app/main.tf": "changed" }, BASE);
    deps.vcs.setPullRequest({ number: 1, headSha: moved, baseSha: BASE });
    deps.vcs.reviewsOf.set(1, [
      { user: "bob", state: "APPROVED", commitId: moved, submittedAt: new Date(Date.now() + 2000).toISOString() },
    ]);
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("the plan is stale: it was made for hhhhhhh");
    expect(lastCheck("sluice/apply")).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("refuses a plan file changed on disk since it was planned", async () => {
    const { runner } = await planned();
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    if (!plan) throw new Error("no plan");
    await chmod(plan.planPath, 0o600);
    await writeFile(plan.planPath, "something else\n");
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("the saved plan file changed since it was made (its sha256 is not the one recorded)");
  });

  it("refuses, saying why, a plan file this replica cannot read (and does not fall back to the store's copy)", async () => {
    const { runner } = await planned();
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    if (!plan) throw new Error("no plan");
    await rm(plan.planPath);
    await mkdir(plan.planPath);
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    // A dir in its place: the careful open refuses it (EINVAL: not a regular file), never reads through it.
    expect(applyText()).toMatch(/the saved plan file on this replica cannot be read \((EISDIR|EINVAL)\)/);
  });

  /** Another replica on the same store: its own, empty data dir (the plan's file is not there). */
  async function onAnotherReplica(): Promise<PlanRecord> {
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    if (!plan) throw new Error("no plan");
    await rm(deps.dataDir, { recursive: true, force: true });
    deps.dataDir = await mkdtemp(join(tmpdir(), "sluice-replica-b-"));
    return plan;
  }

  it("keeps the plan's bytes in the store with their sha256", async () => {
    await planned();
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    const stored = await deps.store.planFile(plan?.id ?? 0);
    expect(stored?.bytes?.toString()).toBe(await readFile(plan?.planPath ?? "", "utf8"));
    expect(stored?.sha256).toBe(plan?.planHash);
  });

  it("applies on a replica that did not make the plan: the store's bytes, copied into its own data dir and removed after", async () => {
    const { runner } = await planned();
    const plan = await onAnotherReplica();
    let seen: { planFile: string; text: string; mode: number } | undefined;
    runner.calls.length = 0;
    const apply = runner.apply.bind(runner);
    runner.apply = async (req) => {
      seen = { planFile: req.planFile, text: await readFile(req.planFile, "utf8"), mode: (await stat(req.planFile)).mode & 0o777 };
      return apply(req);
    };
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual(["app"]);
    expect(seen?.planFile.startsWith(deps.dataDir)).toBe(true);
    expect(seen).toMatchObject({ text: "plan of app default app\n", mode: 0o400 });
    expect(lastCheck("sluice/apply")).toMatchObject({ status: "completed", conclusion: "success" });
    // The copy is gone, and so are the bytes in the store (a plan is applied once).
    await expect(stat(seen?.planFile ?? "")).rejects.toThrow();
    expect(await deps.store.planFile(plan.id)).toBeUndefined();
  });

  it("refuses a store copy whose bytes changed since the plan, on a replica that did not make it", async () => {
    const { runner } = await planned();
    await onAnotherReplica();
    const store = deps.store;
    deps.store = {
      ...store,
      planFile: async (id) => {
        const f = await store.planFile(id);
        return f && { ...f, bytes: Buffer.from("plan of something else\n") };
      },
    };
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("the store's copy of the saved plan changed since it was made (its sha256 is not the one recorded)");
  });

  it("refuses, saying why, a plan file too large for the store on a replica that did not make it", async () => {
    const { runner } = await planned();
    await onAnotherReplica();
    const store = deps.store;
    deps.store = { ...store, planFile: async (id) => ({ sha256: (await store.planFile(id))?.sha256 ?? "", size: 80 * 1024 * 1024 }) };
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("the saved plan file (80.0 MiB) is over the 64.0 MiB Sluice keeps in its store");
  });

  it("never applies a plan twice: one whose apply started and died midway is used, also for a replica with the store's copy", async () => {
    const { runner } = await planned();
    const plan = (await deps.store.pendingPlans("acme/infra", 1))[0];
    if (!plan) throw new Error("no plan");
    const apply = runner.apply.bind(runner);
    // The tool started, then this process went away (or the runner threw): nothing after it ran.
    runner.apply = async () => {
      throw new Error("gone midway");
    };
    await expect(runJob(await applyComment(), deps)).rejects.toThrow("gone midway");
    runner.apply = apply;
    expect(await deps.store.pendingPlans("acme/infra", 1)).toEqual([]);
    expect(await deps.store.planFile(plan.id)).toBeUndefined();
    await rm(deps.dataDir, { recursive: true, force: true });
    deps.dataDir = await mkdtemp(join(tmpdir(), "sluice-replica-b-"));
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(deps.vcs.bodiesOn(1).at(-1)).toContain("Nothing to apply");
  });

  it("refuses a user without write access, and applies nothing", async () => {
    const { runner } = await planned();
    deps.vcs.permissions.set("mallory", "read");
    await runJob(await applyComment("mallory"), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toMatch(/Not applied: .*mallory/);
  });

  it("refuses without an approval given after the plan (the default requirement)", async () => {
    const { runner } = await planned();
    deps.vcs.reviewsOf.set(1, []);
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(applyText()).toContain("needs 1 more approval");
  });

  it("refuses when there is no plan to apply", async () => {
    const { runner } = await setup({ head: { "app/main.tf": "" } });
    await runJob(await applyComment(), deps);
    expect(runner.applied).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("Nothing to apply");
  });
});

describe("apply on merge (fake VCS, runner and workspace; SQLite in memory)", () => {
  const MERGE = "m".repeat(40);
  const APPLY_ON_MERGE = "version: 1\napply_on: merge\n";

  /** A planned and approved PR, then merged: the merge commit's files are `mergeFiles`. */
  async function merged(mergeFiles: Record<string, string>, script?: FakeRunnerScript) {
    // apply_on is a trusted setting: the repo may set it only where the server allows it.
    const s = await setup({
      base: { ".sluice.yaml": APPLY_ON_MERGE },
      head: { "app/main.tf": "v2" },
      script,
      serverConfig: "allowed_overrides: [apply_on]\n",
    });
    await runJob(await autoplan(), deps);
    expect(s.runner.planned).toEqual(["app"]);
    deps.vcs.permissions.set("bob", "write");
    deps.vcs.reviewsOf.set(1, [{ user: "bob", state: "APPROVED", commitId: HEAD, submittedAt: new Date(Date.now() + 2000).toISOString() }]);
    deps.fakeWorkspace.commit(MERGE, { ".sluice.yaml": APPLY_ON_MERGE, ...mergeFiles }, BASE);
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE, state: "closed", merged: true });
    await runJob(await job({ kind: "apply", trigger: "merge", actor: "alice", mergeSha: MERGE }), deps);
    return s.runner;
  }

  it("applies the saved plan when the merge commit's tree is the planned one", async () => {
    const runner = await merged({ "app/main.tf": "v2" });
    expect(runner.planned).toEqual(["app"]);
    expect(runner.applied).toEqual(["app"]);
  });

  it("plans the merge commit again when its tree differs, and applies that plan when it makes the same changes", async () => {
    const runner = await merged({ "app/main.tf": "v2", "docs/readme.txt": "landed on main meanwhile" });
    expect(runner.planned).toEqual(["app", "app"]);
    const [first, again] = runner.calls.filter((c) => c.verb === "plan").map((c) => c.request);
    expect(again?.checkoutDir).not.toBe(first?.checkoutDir);
    const applied = runner.calls.find((c) => c.verb === "apply")?.request;
    expect(applied && "planFile" in applied ? applied.planFile : "").toContain(`merge-`);
    expect(applied?.checkoutDir).toBe(again?.checkoutDir);
  });

  it("refuses when the merge commit plans other changes than the approved plan", async () => {
    let plans = 0;
    const runner = await merged(
      { "app/main.tf": "v2", "docs/readme.txt": "x" },
      { plan: () => ({ ok: true, summary: summaryOf(++plans) }) },
    );
    expect(runner.planned).toEqual(["app", "app"]);
    expect(runner.applied).toEqual([]);
    const reply = deps.vcs.bodiesOn(1).slice(1).join("\n");
    expect(reply).toContain("gives other changes than the approved plan");
    expect(reply).not.toContain("cannot be compared");
  });
});
