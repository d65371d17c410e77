import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  // The server lets repos override nothing.
  h = await startHarness({
    serverConfig: "apply_requirements: [approved]\nsecrets:\n  db_password: env:IGNORED_DB_PASSWORD\n",
    env: { IGNORED_DB_PASSWORD: "ignored-settings-db-pw-41" },
  });
  h.sim.addUser("alice");
});
afterAll(async () => {
  await h?.stop();
});

describe("settings the server does not let repos set", () => {
  it("are named in the plan comment with the server key that allows them; a merge that applies nothing says so", async () => {
    const state = join(h.stateDir, "ignored-net.tfstate");
    const config =
      "version: 1\napply_on: merge\napprovals: 1\nprojects:\n  - name: net\n    dir: net\n    apply_requirements: [undiverged]\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "ignored",
      files: { ".sluice.yaml": config, "net/main.tf": statefulProject("net", state, 0) },
    });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 60_000,
      message: "no plan",
    });
    const plan = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    expect(plan).toContain("`apply_on: merge` in .sluice.yaml is ignored");
    expect(plan).toContain("`allowed_overrides: [apply_on]`");
    expect(plan).toContain("`apply_requirements: [undiverged]` of project `net` in .sluice.yaml is ignored");
    expect(plan).toContain("`allowed_overrides: [apply_requirements]`");
    // Equal to the server's value: not a conflict, not reported.
    expect(plan).not.toContain("approvals: 1` in");

    await h.sim.mergePullRequest(repo, pr.number);
    await h.sim.waitFor(() => h.sim.comments(repo, pr.number).some((c) => c.user === "sluice[bot]" && c.body.includes("was merged with")), {
      timeoutMs: 60_000,
      message: "the merge was not reported",
    });
    const notice = h.sim.comments(repo, pr.number).find((c) => c.body.includes("was merged with"))?.body ?? "";
    expect(notice).toContain("merged with a plan that was never applied: `net`");
    expect(notice).toContain("nothing was applied at merge");
    expect(notice).toContain("`apply_on: merge` in .sluice.yaml is ignored");
    expect(await stateResources(state)).toEqual([]);
  });

  it("secret_set in a config the PR adds is named with the reason and that merging the config first makes it apply", async () => {
    await installHelm();
    const chart = {
      "charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 0.1.0\n",
      "charts/db/values.yaml": 'password: ""\n',
      "charts/db/templates/secret.yaml":
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {{ required "password is required" .Values.password | quote }}\n',
    };
    const config =
      "version: 1\nprojects:\n  - name: db\n    dir: charts/db\n    runner: helm\n    helm:\n      secret_set:\n        password: db_password\n";
    const repo = await h.sim.createRepo({ owner: "acme", name: "onboard-chart", files: { "README.md": "x\n" } });
    await h.sim.pushBranch(repo, { branch: "onboard", files: { ".sluice.yaml": config, ...chart } });
    const pr = await h.sim.openPullRequest(repo, { head: "onboard", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 60_000,
      message: "no plan",
    });
    const plan = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
    expect(plan).toContain(
      "`secret_set: {password: db_password}` of project `db` in .sluice.yaml does not apply to this pull request's plans",
    );
    expect(plan).toContain("a pull request may not choose where a server secret goes");
    expect(plan).toContain("Merge the config change first");
    expect(plan).not.toContain("ignored-settings-db-pw-41");
  });
});
