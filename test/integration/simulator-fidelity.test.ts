import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAppJwt, startSimulator, type Simulator } from "../simulator/github-simulator.js";
import type { SimRepo } from "../simulator/sim-types.js";

/** Where the simulator answers what Sluice reads, it answers as GitHub does (the source of each rule is named). */
describe("GitHub simulator: fidelity to GitHub", () => {
  let sim: Simulator;
  let repo: SimRepo;
  let token: string;

  const api = async (path: string) => {
    const res = await fetch(`${sim.url}/api/v3${path}`, { headers: { authorization: `token ${token}` } });
    return { status: res.status, json: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    sim = await startSimulator({ webhookSecret: "s", appSlug: "sluice" });
    token = sim.mintToken();
    repo = await sim.createRepo({ owner: "acme", name: "infra", files: { "main.tf": "# 1\n" } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("GET commits/{sha}/pulls does not list a PR from a fork by its head commit; a PR of the repository's own branch it does", async () => {
    // GitHub associates a commit with PRs of the repository's own branches only: for a commit
    // that exists only in a fork it answers [] (checked against github.com: retransmission#280,
    // TooTallNate/nx.js#410, quarkusio/pt.quarkus.io#389).
    await sim.pushBranch(repo, { branch: "fork-change", files: { "main.tf": "# fork\n" } });
    const fork = await sim.openPullRequest(repo, { head: "fork-change", author: "mallory", headRepo: "mallory/infra" });
    expect((await api(`/repos/acme/infra/commits/${fork.headSha}/pulls`)).json).toEqual([]);
    // Control: a PR from a branch of the repository itself is listed.
    await sim.pushBranch(repo, { branch: "own-change", files: { "main.tf": "# own\n" } });
    const own = await sim.openPullRequest(repo, { head: "own-change", author: "alice" });
    const listed = (await api(`/repos/acme/infra/commits/${own.headSha}/pulls`)).json as { number: number }[];
    expect(listed.map((p) => p.number)).toEqual([own.number]);
  });

  it("lists an installation its owner suspended, with suspended_at, and refuses its token with 403", async () => {
    const id = sim.addSuspendedInstallation("initech");
    const jwtApi = async (method: string, path: string) => {
      const res = await fetch(`${sim.url}/api/v3${path}`, {
        method,
        headers: { authorization: `Bearer ${signAppJwt(sim.privateKeyPem, sim.appId)}` },
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const list = (await jwtApi("GET", "/app/installations")).json as unknown as { id: number; suspended_at: string | null }[];
    expect(list.find((i) => i.id === id)?.suspended_at).toEqual(expect.any(String));
    expect(list.find((i) => i.id === sim.installationId)?.suspended_at).toBeNull();
    const minted = await jwtApi("POST", `/app/installations/${id}/access_tokens`);
    expect(minted.status).toBe(403);
    expect(minted.json.message).toBe("This installation has been suspended");
  });

  it("lists the app's delivery attempts newest first, paged by a cursor, and redelivers one under its GUID (GET /app/hook/deliveries, POST …/attempts)", async () => {
    const jwt = () => ({ authorization: `Bearer ${signAppJwt(sim.privateKeyPem, sim.appId)}` });
    const before = sim.deliveries.length;
    const sent = [];
    for (const zen of ["one", "two", "three"]) sent.push(await sim.deliver("ping", { zen }));
    const first = await fetch(`${sim.url}/api/v3/app/hook/deliveries?per_page=2`, { headers: jwt() });
    const page = (await first.json()) as { id: number; guid: string; status: string; status_code: number; redelivery: boolean }[];
    expect(page.map((d) => d.guid)).toEqual([sent[2]?.deliveryId, sent[1]?.deliveryId]);
    expect(page[0]).toMatchObject({ redelivery: false, status_code: sent[2]?.status });
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(next).toContain("cursor=");
    const second = (await (await fetch(next, { headers: jwt() })).json()) as { guid: string }[];
    expect(second[0]?.guid).toBe(sent[0]?.deliveryId);
    const asked = await fetch(`${sim.url}/api/v3/app/hook/deliveries/${page[1]?.id}/attempts`, { method: "POST", headers: jwt() });
    expect(asked.status).toBe(202);
    await sim.waitFor(() => sim.deliveries.length === before + 4, { message: "no redelivery", timeoutMs: 10_000 });
    expect(sim.deliveries.at(-1)).toMatchObject({ deliveryId: sent[1]?.deliveryId, redelivery: true });
    // Control: an attempt that was never made is not found; without the app's JWT nothing is listed.
    expect((await fetch(`${sim.url}/api/v3/app/hook/deliveries/999999/attempts`, { method: "POST", headers: jwt() })).status).toBe(404);
    expect((await fetch(`${sim.url}/api/v3/app/hook/deliveries`)).status).toBe(401);
  });

  it("a check run's pull_requests (REST, as in its events) leaves out PRs from forks", async () => {
    // GitHub (openapi-types, Checks): "Pushes to a branch in a forked repository are not detected and return an empty `pull_requests` array."
    await sim.pushBranch(repo, { branch: "fork-checked", files: { "main.tf": "# fork checked\n" } });
    const fork = await sim.openPullRequest(repo, { head: "fork-checked", author: "mallory", headRepo: "mallory/infra" });
    const res = await fetch(`${sim.url}/api/v3/repos/acme/infra/check-runs`, {
      method: "POST",
      headers: { authorization: `token ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "ci", head_sha: fork.headSha, status: "queued" }),
    });
    expect(((await res.json()) as { pull_requests: unknown[] }).pull_requests).toEqual([]);
  });
});
