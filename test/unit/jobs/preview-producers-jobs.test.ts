import { afterEach, describe, expect, it } from "vitest";
import type { OutputsOutcome, OutputsRequest, PlanRequest } from "../../../runners/runner.js";
import { runPreviewJob } from "../../../src/jobs/preview/run-preview-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import type { PreviewRecord } from "../../../src/model/preview.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { FakeRunner, type FakeRunnerScript } from "../../fakes/fake-runner.js";
import { previewRecord } from "../../support/preview-record.js";

// A pull request's previews of a producer (network) and its dependent (app, `inputs_from`), run
// through the preview job with fakes: which state each input is read from, and in which order
// previews go.

const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const REPO = { owner: "acme", name: "infra" };
const TARGET = { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 };

const CONFIG = `version: 1
projects:
  - name: app
    dir: app
    inputs_from: { vpc_id: network.vpc_id }
    preview: {}
  - name: network
    dir: network
    preview: {}
`;

/** A Terraform runner whose outputs say which workspace they were read from. */
class OutputsRunner extends FakeRunner {
  readonly reads: string[] = [];
  outputsFail = false;
  async outputs(req: OutputsRequest): Promise<OutputsOutcome> {
    this.reads.push(`${req.project.name}@${req.project.workspace}`);
    if (this.outputsFail) return { ok: false, failedStep: "init", message: "no backend", output: "" };
    return { ok: true, outputs: { vpc_id: { value: `vpc-${req.project.workspace}`, sensitive: false, known: true } } };
  }
}

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

async function setup(opts: { config?: string; script?: FakeRunnerScript; helm?: FakeRunner; serverConfig?: string } = {}) {
  const runner = new OutputsRunner("terraform", opts.script);
  deps = await fakeJobDeps({
    runners: { terraform: runner, ...(opts.helm ? { helm: opts.helm } : {}) },
    serverConfig: `allowed_overrides: [preview]\n${opts.serverConfig ?? ""}`,
  });
  const files = { ".sluice.yaml": opts.config ?? CONFIG, "app/main.tf": "", "network/main.tf": "", "charts/web/Chart.yaml": "" };
  // The base branch is fetched before its config is read; the fake's commits are all there already.
  deps.fakeWorkspace.fetchBranch = async () => BASE;
  deps.fakeWorkspace.commit(BASE, files).commit(HEAD, { ...files, "app/main.tf": "# v2" }, BASE);
  deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE, headRepo: "acme/infra" });
  deps.vcs.permissions.set("alice", "write");
  return runner;
}

async function run(spec: Partial<Extract<JobSpec, { kind: "preview" }>>): Promise<void> {
  const full: JobSpec = { kind: "preview", action: "sync", actor: "alice", ...spec };
  const id = await deps.store.enqueueInternal(TARGET, full);
  const job = (await deps.store.getJob(id)) as Job;
  await runPreviewJob(job, deps);
}

const byCommand = (action: "destroy" | "recreate", project: string) => ({
  action,
  project,
  commentId: 9,
  commandLine: `/preview ${action} -p ${project}`,
});
const plans = (r: FakeRunner, destroy: boolean) =>
  r.calls.filter((c) => c.verb === "plan" && (c.request as PlanRequest).destroy === destroy);
const vpcOf = (r: FakeRunner, destroy: boolean) =>
  plans(r, destroy)
    .filter((c) => c.project.name === "app")
    .map((c) => c.request.env.TF_VAR_vpc_id);
const status = async (project: string) => (await deps.store.getPreview({ repo: "acme/infra", pr: 1, project }))?.status;
const comment = () => deps.vcs.bodiesOn(1).join("\n");

describe("a dependent's preview reads its producer's preview, never production in its place", () => {
  it("`/preview recreate -p app` reads the producer's live preview of the same pull request", async () => {
    const runner = await setup();
    await run({});
    expect([await status("network"), await status("app")]).toEqual(["live", "live"]);
    expect(vpcOf(runner, false)).toEqual(["vpc-pr-1"]);

    await run(byCommand("recreate", "app"));
    // The destroy plan and the new plan both took the producer's preview's output.
    expect(vpcOf(runner, true)).toEqual(["vpc-pr-1"]);
    expect(vpcOf(runner, false)).toEqual(["vpc-pr-1", "vpc-pr-1"]);
    expect(runner.reads).not.toContain("network@default");
    expect(await status("app")).toBe("live");
  });

  it("a producer configured for previews without one now: its dependent is not planned, nothing applied", async () => {
    // A real project of the network dir holds workspace pr-1, so network's preview cannot have it.
    const runner = await setup({ config: `${CONFIG}  - name: network-one\n    dir: network\n    workspace: pr-1\n` });
    await run({});
    expect(comment()).toContain("No preview of network:");
    expect(comment()).toContain("app: not planned: its producer network has no preview in this pull request");
    expect(runner.reads).toEqual([]);
    expect(runner.planned).toEqual([]);
    expect(runner.applied).toEqual([]);
    // Never applied, so nothing stands to tear down: saved as destroyed, the reason its last result.
    const app = await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "app" });
    expect(app?.status).toBe("destroyed");
    expect(app?.lastResult).toContain("not planned: its producer network has no preview");
  });
});

describe("a dependent's preview never outlives its producer's", () => {
  it("`/preview destroy -p network` destroys app's preview first, with network's outputs", async () => {
    const runner = await setup();
    await run({});
    await run(byCommand("destroy", "network"));
    expect(plans(runner, true).map((c) => c.project.name)).toEqual(["app", "network"]);
    expect(vpcOf(runner, true)).toEqual(["vpc-pr-1"]);
    expect([await status("app"), await status("network")]).toEqual(["destroyed", "destroyed"]);
  });

  it("the sweep's destroy of the producer waits while its dependent's destroy fails", async () => {
    let failApp = false;
    const runner = await setup({
      script: { apply: (p) => (failApp && p.name === "app" ? { ok: false, message: "boom" } : { ok: true }) },
    });
    await run({});
    failApp = true;
    await run({ action: "destroy", project: "network", reason: "its `ttl` passed with no push", actor: "sluice" });
    expect(plans(runner, true).map((c) => c.project.name)).toEqual(["app"]);
    expect(await status("app")).toBe("destroy-failed");
    const network = (await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "network" })) as PreviewRecord;
    expect(network.status).toBe("destroy-failed");
    expect(network.lastResult).toBe("destroy failed: its dependent app's preview is not destroyed yet");
    expect(network.nextAttemptAt).toBeGreaterThan(0);
  });

  it("a dependent's teardown uses the inputs its apply used: a producer that no longer gives them blocks nothing", async () => {
    const runner = await setup();
    await run({});
    expect((await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "app" }))?.appliedInputs?.env.TF_VAR_vpc_id).toBe("vpc-pr-1");
    // The producer's outputs cannot be read any more (renamed, its backend gone).
    runner.outputsFail = true;
    const readsBefore = runner.reads.length;
    await run({ action: "destroy", reason: "the pull request was closed", actor: "sluice" });
    // App's destroy plan took the value its apply used, and nothing was read for it.
    expect(vpcOf(runner, true)).toEqual(["vpc-pr-1"]);
    expect(runner.reads.length).toBe(readsBefore);
    expect([await status("app"), await status("network")]).toEqual(["destroyed", "destroyed"]);
  });

  it("`/preview recreate -p network` brings app's preview back after network's", async () => {
    const runner = await setup();
    await run({});
    await run(byCommand("recreate", "network"));
    expect(plans(runner, true).map((c) => c.project.name)).toEqual(["app", "network"]);
    expect(plans(runner, false).map((c) => c.project.name)).toEqual(["network", "app", "network", "app"]);
    expect([await status("network"), await status("app")]).toEqual(["live", "live"]);
  });
});

const HELM = `version: 1
projects:
  - name: network
    dir: network
  - name: web
    dir: charts/web
    helm: { namespace: prod }
    values_from: { vpc: network.vpc_id }
    preview: {}
`;
const webRecord = (over: Partial<PreviewRecord> = {}) =>
  previewRecord({ repo: "acme/infra", pr: 1, project: "web", dir: "charts/web", runner: "helm", headSha: HEAD, target: TARGET, ...over });

describe("Helm and Kustomize previews", () => {
  it("a teardown gathers no inputs: a producer that cannot be read does not keep it retrying", async () => {
    const helm = new FakeRunner("helm");
    const runner = await setup({ config: HELM, helm });
    runner.outputsFail = true;
    await deps.store.savePreview(webRecord());
    await run({ action: "destroy", project: "web", reason: "its `ttl` passed with no push", actor: "sluice" });
    expect(runner.reads).toEqual([]);
    expect(plans(helm, true).map((c) => c.project.name)).toEqual(["web"]);
    expect(await status("web")).toBe("destroyed");
  });

  it("a recreate plans against nothing: the preview it destroyed is no base to diff from", async () => {
    const helm = new FakeRunner("helm", {}, true);
    const OLD = "o".repeat(40);
    await setup({
      config: HELM,
      helm,
      serverConfig: "kubeconfigs: { 'acme/*': { apply: /nonexistent/kubeconfig, preview: /nonexistent/kubeconfig } }\n",
    });
    deps.fakeWorkspace.commit(OLD, { ".sluice.yaml": HELM, "charts/web/Chart.yaml": "" }, BASE);
    await deps.store.savePreview(webRecord({ headSha: OLD }));
    await run(byCommand("recreate", "web"));
    const planned = plans(helm, false);
    expect(planned.map((c) => c.project.name)).toEqual(["web"]);
    expect(planned.map((c) => (c.request as PlanRequest).baseCheckoutDir)).toEqual([undefined]);
  });
});

describe("a preview of a closed pull request is not applied", () => {
  it("the PR closed while its preview was planned: refused, nothing applied", async () => {
    const runner = await setup({
      config: "version: 1\nprojects:\n  - name: network\n    dir: network\n    preview: {}\n",
      script: {
        during: async () => {
          deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE, headRepo: "acme/infra", state: "closed" });
        },
      },
    });
    await run({});
    expect(runner.planned).toEqual(["network"]);
    expect(runner.applied).toEqual([]);
    expect(comment()).toContain("the pull request was closed while its preview was planned: not applied");
    expect(await status("network")).toBe("destroyed");
  });
});

describe("a live preview's sync keeps what stands until its apply starts", () => {
  it("while the new commit is planned, the store holds the commit applied before (a crash there leaves a teardown of what stands)", async () => {
    const HEAD2 = "c".repeat(40);
    let stored: PreviewRecord | undefined;
    let watch = false;
    await setup({
      script: {
        during: async (p) => {
          if (watch && p.name === "network") stored = await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "network" });
        },
      },
    });
    await run({});
    expect(await status("network")).toBe("live");
    deps.fakeWorkspace.commit(HEAD2, { ".sluice.yaml": CONFIG, "app/main.tf": "# v3", "network/main.tf": "# v3" }, HEAD);
    deps.vcs.setPullRequest({ number: 1, headSha: HEAD2, baseSha: BASE, headRepo: "acme/infra" });
    watch = true;
    await run({});
    // What a process stopped in the middle of the plan leaves: the sweep marks it failed, and its
    // teardown plans this commit, which was applied (the new one may not even plan).
    expect(stored).toMatchObject({ status: "applying", headSha: HEAD });
    expect(stored?.nothingApplied).toBeUndefined();
    // Control: once the new commit is applied, the record says so.
    expect(await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "network" })).toMatchObject({
      status: "live",
      headSha: HEAD2,
    });
  });

  it("a first preview is saved, while it plans, as one of which nothing stands; its apply clears that", async () => {
    let stored: PreviewRecord | undefined;
    await setup({
      script: {
        during: async (p) => {
          if (p.name === "network") stored = await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "network" });
        },
      },
    });
    await run({});
    expect(stored).toMatchObject({ status: "applying", nothingApplied: true });
    const after = await deps.store.getPreview({ repo: "acme/infra", pr: 1, project: "network" });
    expect(after).toMatchObject({ status: "live" });
    expect(after?.nothingApplied).toBeUndefined();
  });
});
