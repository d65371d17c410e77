import { afterEach, describe, expect, it } from "vitest";
import type { StateOutcome, StateRequest } from "../../../runners/runner.js";
import { runJob } from "../../../src/jobs/run-job.js";
import type { Job, JobSpec } from "../../../src/model/job.js";
import { type FakeJobDeps, fakeJobDeps } from "../../fakes/fake-job-deps.js";
import { FakeRunner } from "../../fakes/fake-runner.js";

const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const REPO = { owner: "acme", name: "infra" };

/** A runner that changes state: `/state rm` and `/import` reach it, unless it takes only `operations`. */
class StateRunner extends FakeRunner {
  readonly stateCalls: StateRequest["operation"][] = [];
  constructor(readonly stateOperations?: StateRequest["operation"]["kind"][]) {
    super("terraform");
  }
  async state(req: StateRequest): Promise<StateOutcome> {
    this.stateCalls.push(req.operation);
    return { ok: true, output: `changed ${req.project.name}`, durationMs: 1 };
  }
}

let deps: FakeJobDeps;
afterEach(async () => {
  await deps?.store.close();
  await deps?.fakeWorkspace.dispose();
});

async function setup(runner: FakeRunner, head: Record<string, string>) {
  deps = await fakeJobDeps({ runners: { terraform: runner } });
  deps.fakeWorkspace.commit(BASE, {}).commit(HEAD, head, BASE);
  deps.vcs.setPullRequest({ number: 1, headSha: HEAD, baseSha: BASE });
  deps.vcs.permissions.set("alice", "write");
}

async function job(spec: JobSpec): Promise<Job> {
  const id = await deps.store.enqueueInternal(
    { installationId: 1, repo: REPO, cloneUrl: "http://git.example/acme/infra.git", pr: 1 },
    spec,
  );
  const j = await deps.store.getJob(id);
  if (!j) throw new Error("job not stored");
  return j;
}

const stateRm = (filter = {}) =>
  job({
    kind: "state",
    command: { kind: "state_rm", filter, addresses: ["terraform_data.x"] },
    commandLine: "/state rm terraform_data.x",
    commentId: 5,
    actor: "alice",
  });
const importIt = () =>
  job({
    kind: "state",
    command: { kind: "import", filter: {}, address: "terraform_data.x", id: "x" },
    commandLine: "/import terraform_data.x x",
    commentId: 5,
    actor: "alice",
  });

describe("which project a state command changes", () => {
  it("refuses a command that matches several projects, naming them, and changes none", async () => {
    const runner = new StateRunner();
    await setup(runner, { "app/main.tf": "", "net/main.tf": "" });
    await runJob(await stateRm(), deps);
    expect(runner.stateCalls).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("this changes one project's state at a time, and `app`, `net` match");
  });

  it("refuses a project whose tool has no state, and one whose tool does not take the command", async () => {
    await setup(new FakeRunner("terraform"), { "app/main.tf": "" });
    await runJob(await stateRm(), deps);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("terraform projects have no state to state rm");
    await deps.store.close();
    await deps.fakeWorkspace.dispose();

    const pushOnly = new StateRunner(["push"]);
    await setup(pushOnly, { "app/main.tf": "" });
    await runJob(await importIt(), deps);
    expect(pushOnly.stateCalls).toEqual([]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain(
      "terraform projects take no `/import` (only `/state push-errored` of a state Sluice kept)",
    );
  });

  it("control: the one project the pull request changes, of a tool that takes the command, has its state changed", async () => {
    const runner = new StateRunner();
    await setup(runner, { "app/main.tf": "", "net/main.tf": "" });
    // The project's requirement (the default: an approval of the current commit by another writer).
    deps.vcs.permissions.set("bob", "write");
    deps.vcs.reviewsOf.set(1, [{ user: "bob", state: "APPROVED", commitId: HEAD, submittedAt: new Date().toISOString() }]);
    await runJob(await stateRm({ project: "app" }), deps);
    expect(runner.stateCalls).toEqual([{ kind: "rm", addresses: ["terraform_data.x"] }]);
    expect(deps.vcs.bodiesOn(1).join("\n")).toContain("changed app");
  });
});
