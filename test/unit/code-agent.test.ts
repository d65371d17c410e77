import { describe, expect, it } from "vitest";
import { codeAgentFacts } from "../../src/authorization/code-agent.js";
import { fakePeople } from "../fakes/fake-people.js";

// Whose code a pull request's head is, for the `agents` rule: GitHub (branch activity, the
// commit's users) is read only where the server names agents and nothing Sluice heard names one.

const at = { repo: { owner: "acme", name: "infra" }, pr: { number: 7, headSha: "a".repeat(40) }, actor: "bob" };

function deps(agents: string[], heard: string[], onGitHub: string[]) {
  const reads = { store: 0, github: 0 };
  const store = {
    headPusherAccounts: async () => {
      reads.store++;
      return heard.map((login) => ({ login }));
    },
  };
  const codeUsers = async () => {
    reads.github++;
    return onGitHub.map((login) => ({ login }));
  };
  return { deps: { config: { agents }, store, people: fakePeople() }, codeUsers, reads };
}

describe("codeAgentFacts", () => {
  it("no agents configured: nothing is read, neither the store nor GitHub", async () => {
    const d = deps([], [], ["renovate[bot]"]);
    expect(await codeAgentFacts(d.deps, at, ["bob"], d.codeUsers)).toBeUndefined();
    expect(d.reads).toEqual({ store: 0, github: 0 });
  });

  it("an agent heard pushing the head: named without reading GitHub", async () => {
    const d = deps(["*[bot]"], ["renovate[bot]"], []);
    expect((await codeAgentFacts(d.deps, at, ["bob"], d.codeUsers))?.proposedBy).toBe("renovate[bot]");
    expect(d.reads.github).toBe(0);
  });

  it("a push not heard: GitHub names the agent whose code a person's plan is", async () => {
    const d = deps(["*[bot]"], [], ["bob", "renovate[bot]"]);
    expect(await codeAgentFacts(d.deps, at, ["bob", "bob"], d.codeUsers)).toEqual({ actor: false, proposedBy: "renovate[bot]" });
    expect(d.reads.github).toBe(1);
  });

  it("control: a person's push not heard is no agent's proposal", async () => {
    const d = deps(["*[bot]"], [], ["bob", "carol"]);
    expect(await codeAgentFacts(d.deps, at, ["bob"], d.codeUsers)).toEqual({ actor: false });
  });
});
