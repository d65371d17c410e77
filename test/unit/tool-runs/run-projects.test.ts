import { afterEach, describe, expect, it } from "vitest";
import { defaultRepoConfig } from "../../../src/config/repo/load-repo-config.js";
import { type PlanOrder, planOrder } from "../../../src/tool-runs/plan-order.js";
import type { RepoConfig } from "../../../src/model/repo-config.js";
import { inOrder, runProjects } from "../../../src/tool-runs/run-projects.js";
import { sandboxedExec } from "../../../src/tool-runs/sandboxed-exec.js";
import type { Job } from "../../../src/model/job.js";
import type { ProjectResult } from "../../../src/model/project-result.js";
import { type Project, projectId } from "../../../src/model/project.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { summaryOf } from "../../fakes/fake-runner.js";

const tf = (name: string, dir = name, workspace = "default"): Project => ({ name, dir, workspace, runner: "terraform" });

function order(waves: Project[][], deps: Record<string, string[]> = {}): Extract<PlanOrder, { ok: true }> {
  return { ok: true, waves, dependsOn: (p) => deps[p.name] ?? [] };
}

const planned = (project: Project, output = `planned ${project.name}`): ProjectResult => ({
  project,
  status: "planned",
  summary: summaryOf(1),
  output,
});
const failed = (project: Project): ProjectResult => ({ project, status: "error", failedStep: "plan", message: "boom", output: "" });

/** Resolves once `n` callers wait on it; a test that never gets there fails on its timeout. */
function barrier(n: number) {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return async () => {
    if (++waiting >= n) open();
    await opened;
  };
}

let deps: FakeJobDeps;

/** A plan job of PR 1, as the store holds it (the live log is keyed by its id). */
async function newJob(): Promise<Job> {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    { kind: "plan", trigger: "autoplan", actor: "alice" },
  );
  const job = await deps.store.getJob(id);
  if (!job) throw new Error("job not stored");
  return job;
}

afterEach(async () => {
  await deps?.store.close();
});

describe("runProjects", () => {
  it("runs wave after wave: nothing of a later wave starts before the earlier wave is done", async () => {
    deps = await fakeJobDeps();
    const [a, b, c] = [tf("a"), tf("b"), tf("c")];
    const events: string[] = [];
    await runProjects({
      deps,
      job: await newJob(),
      repo: "acme/infra",
      order: order([[a, b], [c]]),
      parallel: true,
      verb: "plan",
      step: async (p) => {
        events.push(`start ${p.name}`);
        await new Promise((r) => setImmediate(r));
        events.push(`end ${p.name}`);
        return planned(p);
      },
    });
    expect(events.indexOf("start c")).toBeGreaterThan(events.indexOf("end a"));
    expect(events.indexOf("start c")).toBeGreaterThan(events.indexOf("end b"));
  });

  it("applies the workspaces of one dir one after the other (they share its errored.tfstate); control: their plans, and other dirs' applies, side by side", async () => {
    deps = await fakeJobDeps();
    const [a, b, other] = [tf("app-a", "app", "a"), tf("app-b", "app", "b"), tf("other")];
    const runWith = async (verb: "plan" | "apply", wave: Project[], step: (p: Project) => Promise<void>) =>
      runProjects({
        deps,
        job: await newJob(),
        repo: "acme/infra",
        order: order([wave]),
        parallel: true,
        verb,
        step: async (p) => {
          await step(p);
          return planned(p);
        },
      });
    let inApp = 0;
    let most = 0;
    await runWith("apply", [a, b], async () => {
      most = Math.max(most, ++inApp);
      await new Promise((r) => setTimeout(r, 5));
      inApp--;
    });
    expect(most).toBe(1);
    // Side by side: each waits until both have started (a test that never gets there times out).
    const both = barrier(2);
    await runWith("plan", [a, b], () => both());
    const apart = barrier(2);
    await runWith("apply", [a, other], () => apart());
  });

  it("runs the projects of a wave side by side when parallel, one at a time when not", async () => {
    deps = await fakeJobDeps();
    const both = barrier(2);
    const parallel = await runProjects({
      deps,
      job: await newJob(),
      repo: "acme/infra",
      order: order([[tf("a"), tf("b")]]),
      parallel: true,
      verb: "plan",
      // Each waits for the other to have started: only side-by-side runs get past this.
      step: async (p) => {
        await both();
        return planned(p);
      },
    });
    expect(parallel.size).toBe(2);

    let running = 0;
    let most = 0;
    await runProjects({
      deps,
      job: await newJob(),
      repo: "acme/infra",
      order: order([[tf("a"), tf("b"), tf("c")]]),
      parallel: false,
      verb: "plan",
      step: async (p) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setImmediate(r));
        running--;
        return planned(p);
      },
    });
    expect(most).toBe(1);
  });

  it("stops the dependents of a failed project, transitively, and still runs the others", async () => {
    deps = await fakeJobDeps();
    const [net, app, web, other] = [tf("net"), tf("app"), tf("web"), tf("other")];
    const ran: string[] = [];
    const results = await runProjects({
      deps,
      job: await newJob(),
      repo: "acme/infra",
      order: order([[net, other], [app], [web]], { app: ["net"], web: ["app", "net"] }),
      parallel: true,
      verb: "apply",
      step: async (p) => {
        ran.push(p.name);
        return p.name === "net" ? failed(p) : { project: p, status: "applied", summary: summaryOf(1), output: "" };
      },
    });
    expect(ran.sort()).toEqual(["net", "other"]);
    const byName = new Map([...results.values()].map((r) => [r.project.name, r]));
    expect(byName.get("other")?.status).toBe("applied");
    expect(byName.get("app")).toMatchObject({ status: "error", failedStep: "depends_on" });
    expect(byName.get("app")).toMatchObject({ message: "not applied: it depends on `net`, whose apply did not succeed" });
    // web is stopped too, though its own step never ran: the failure travels down the chain.
    expect(byName.get("web")).toMatchObject({ status: "error", message: "not applied: it depends on `app`, whose apply did not succeed" });
  });

  it("plans as Atlantis does: depends_on stops no plan; abort_on_execution_order_fail stops the later groups", async () => {
    const [net, app, web] = [tf("net"), tf("app"), tf("web")];
    const config = (abort: boolean): RepoConfig => ({
      ...defaultRepoConfig(),
      ...(abort ? { abortOnExecutionOrderFail: true } : {}),
      projects: [net, app, web].map((p, i) => ({
        name: p.name,
        dir: p.dir,
        workspace: p.workspace,
        runner: p.runner,
        autoplan: { enabled: true, whenModified: [] },
        dependsOn: p.name === "app" ? ["net"] : [],
        executionOrderGroup: i === 2 ? 1 : 0,
      })),
    });
    const plans = async (abort: boolean) => {
      deps = await fakeJobDeps();
      const ran: string[] = [];
      const planOrdered = planOrder(config(abort), [net, app, web], [net, app, web], { plan: true });
      if (!planOrdered.ok) throw new Error(planOrdered.error);
      const results = await runProjects({
        deps,
        job: await newJob(),
        repo: "acme/infra",
        order: planOrdered,
        parallel: false,
        verb: "plan",
        step: async (p) => {
          ran.push(p.name);
          return p.name === "net" ? failed(p) : planned(p);
        },
      });
      await deps.store.close();
      return { ran, byName: new Map([...results.values()].map((r) => [r.project.name, r])) };
    };
    // Without the setting: app's plan runs although net's failed (depends_on gates applies only).
    const plain = await plans(false);
    expect(plain.ran).toEqual(["net", "app", "web"]);
    expect(plain.byName.get("app")?.status).toBe("planned");
    // With it: group 0 failed, so group 1 (web) is not planned; app, in group 0, still is.
    const aborting = await plans(true);
    expect(aborting.ran).toEqual(["net", "app"]);
    expect(aborting.byName.get("web")).toMatchObject({
      status: "error",
      failedStep: "execution_order_group",
      message: "not planned: `net` of an earlier execution_order_group failed, and abort_on_execution_order_fail is set",
    });
  });

  it("keys results by identity: two workspaces of one dir never get each other's result", async () => {
    deps = await fakeJobDeps();
    const prod = tf("app", "app", "default");
    const staging = tf("app@staging", "app", "staging");
    const results = await runProjects({
      deps,
      job: await newJob(),
      repo: "acme/infra",
      order: order([[prod, staging]]),
      parallel: true,
      verb: "plan",
      step: async (p) => planned(p, `output of ${p.workspace}`),
    });
    expect(results.size).toBe(2);
    expect(results.get(projectId(prod))?.output).toBe("output of default");
    expect(results.get(projectId(staging))?.output).toBe("output of staging");
    // inOrder follows the given order and drops nothing of either.
    expect(inOrder([staging, prod], results).map((r) => r.output)).toEqual(["output of staging", "output of default"]);
  });

  it("holds the project's run lock: two jobs on one project never run it at the same time", async () => {
    deps = await fakeJobDeps();
    let running = 0;
    let most = 0;
    const step = async (p: Project) => {
      most = Math.max(most, ++running);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      running--;
      return planned(p);
    };
    const run = async (p: Project) =>
      runProjects({ deps, job: await newJob(), repo: "acme/infra", order: order([[p]]), parallel: true, verb: "plan", step });
    // Same dir and workspace under two names: one run lock (repo + dir + workspace).
    await Promise.all([run(tf("app")), run(tf("app-again", "app"))]);
    expect(most).toBe(1);
  });

  it("gives each project's step its own live log, kept in the store", async () => {
    deps = await fakeJobDeps();
    const job = await newJob();
    await runProjects({
      deps,
      job,
      repo: "acme/infra",
      order: order([[tf("a"), tf("b")]]),
      parallel: true,
      verb: "plan",
      step: async (p, run) => {
        run.log.write(`live output of ${p.name}\n`);
        return planned(p);
      },
    });
    // Writes reach the store in the background; wait for them, then check each project has its own.
    await expect
      .poll(async () => (await deps.store.readJobLog(job.id, 0)).map((c) => `${c.project}: ${c.text}`).sort())
      .toEqual(["a: live output of a\n", "b: live output of b\n"]);
    expect(deps.log.lines).toContainEqual(expect.objectContaining({ level: "info", msg: "planning project" }));
  });

  it("lets at most `parallel` tool runs go at once, while other projects get ready and record meanwhile", async () => {
    deps = await fakeJobDeps({ concurrency: 2 });
    let tools = 0;
    let mostTools = 0;
    let outsideWhileSlotsFull = 0;
    deps.tools.sandbox = {
      ...deps.tools.sandbox,
      execFor: () => ({
        ok: true,
        exec: Object.assign(
          async () => {
            mostTools = Math.max(mostTools, ++tools);
            for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
            tools--;
            return { exitCode: 0, timedOut: false, stdout: "", stderr: "", durationMs: 1 };
          },
          { isolated: true },
        ),
      }),
    };
    const job = await newJob();
    const projects = ["a", "b", "c", "d", "e", "f"].map((n) => tf(n));
    let isolated: boolean | undefined;
    // Each project: work before its tools (lock, dirs), two tool runs, work after (store commits).
    const outside = async () => {
      for (let i = 0; i < 3; i++) {
        if (tools === 2) outsideWhileSlotsFull++;
        await new Promise((r) => setImmediate(r));
      }
    };
    await runProjects({
      deps,
      job,
      repo: "acme/infra",
      order: order([projects]),
      parallel: true,
      verb: "plan",
      step: async (p) => {
        const made = sandboxedExec(deps, job, p, { writable: [], settings: { networkFor: () => "on" } });
        if (!made.ok) throw new Error(made.reason);
        isolated = made.exec.isolated;
        await outside();
        await made.exec("terraform", ["plan"], { cwd: "/" });
        await made.exec("terraform", ["show"], { cwd: "/" });
        await outside();
        return planned(p);
      },
    });
    expect(mostTools).toBe(2);
    // The slots never waited for the projects' own work: some of it ran while both slots were busy.
    expect(outsideWhileSlotsFull).toBeGreaterThan(0);
    // The slot wrapper keeps what the sandbox says of its exec.
    expect(isolated).toBe(true);
  });
});
