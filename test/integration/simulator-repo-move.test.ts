import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";

/** The simulator renames and transfers repositories as GitHub does, as far as Sluice's calls need. */
describe("GitHub simulator: a repository renamed or transferred", () => {
  let sim: Simulator;
  let token: string;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${sim.url}/api/v3${path}`, {
      method,
      redirect: "manual",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    sim = await startSimulator({ webhookSecret: "s" });
    token = sim.mintToken();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("keeps the id, PRs and roles under the new name; the old name redirects (301 reads, 307 writes); the event says what changed", async () => {
    sim.setPermission("acme/old", "alice", "write");
    const repo = await sim.createRepo({ owner: "acme", name: "old", files: { "a.tf": "# a\n" } });
    await sim.pushBranch(repo, { branch: "b", files: { "a.tf": "# b\n" } });
    const pr = await sim.openPullRequest(repo, { head: "b", author: "alice" });
    await sim.moveRepository(repo, { name: "new", sender: "octo" });
    const sent = sim.deliveries.at(-1);
    expect(sent).toMatchObject({ event: "repository", action: "renamed", repositoryId: repo.id });
    const moved = await api("GET", "/repos/acme/new");
    expect(await moved.json()).toMatchObject({ id: repo.id, full_name: "acme/new" });
    const pull = (await (await api("GET", `/repos/acme/new/pulls/${pr.number}`)).json()) as { base: { repo: { full_name: string } } };
    expect(pull.base.repo.full_name).toBe("acme/new");
    const read = await api("GET", `/repos/acme/old/pulls/${pr.number}?x=1`);
    expect(read.status).toBe(301);
    expect(read.headers.get("location")).toBe(`${sim.url}/api/v3/repos/acme/new/pulls/${pr.number}?x=1`);
    expect((await api("POST", `/repos/acme/old/issues/${pr.number}/comments`, { body: "hi" })).status).toBe(307);
    expect((await api("GET", "/repos/acme/new/collaborators/alice/permission")).status).toBe(200);

    await sim.moveRepository(repo, { owner: "newco" });
    expect(await (await api("GET", "/repos/newco/new")).json()).toMatchObject({ id: repo.id });
    expect(sim.deliveries.at(-1)).toMatchObject({ event: "repository", action: "transferred" });
    expect((await api("GET", "/repos/acme/new")).status).toBe(301);
    // A new repository under the old name is that repository, not a redirect.
    await sim.createRepo({ owner: "acme", name: "old", files: { "x.tf": "# x\n" } });
    expect((await api("GET", "/repos/acme/old")).status).toBe(200);
  });
});
