import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { describe, expect, it } from "vitest";
import { repositoryMoveOf, repositorySeenIn } from "../../src/ingress/repository-move-of.js";
import { renamedIn } from "../../src/model/repo-move.js";

const examples = (action: string) =>
  (createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[])
    .filter((d) => d.name === "repository")
    .flatMap((d) => d.examples as unknown as Record<string, unknown>[])
    .filter((e) => e.action === action);

describe("a repository delivery's move (GitHub's own examples)", () => {
  it("renamed: changes.repository.name.from under the same owner", () => {
    for (const payload of examples("renamed"))
      expect(repositoryMoveOf(payload, "d1")).toEqual({
        from: "Octocoders/Hello-World",
        to: "Octocoders/Hello-World",
        repoId: 186853261,
        deliveryId: "d1",
        actor: "Codertocat",
        how: "renamed",
        installationId: 1,
        // When GitHub made it: a late delivery of it is told from a later move.
        at: "2019-05-15T15:20:41Z",
      });
  });

  it("transferred: changes.owner.from.user (or .organization) with the same name", () => {
    const [payload] = examples("transferred");
    expect(repositoryMoveOf(payload, "d2")).toMatchObject({
      from: "octocat/Hello-World",
      to: "Octocoders/Hello-World",
      how: "transferred",
    });
    const byOrg = structuredClone(payload) as { changes: { owner: { from: Record<string, unknown> } } };
    byOrg.changes.owner.from = { organization: { login: "old-org" } };
    expect(repositoryMoveOf(byOrg, "d3")).toMatchObject({ from: "old-org/Hello-World" });
  });

  it("refuses a rename that does not say what it moved, or names a path; ignores other actions", () => {
    const [payload] = examples("renamed");
    const noFrom = structuredClone(payload) as { changes: unknown };
    noFrom.changes = {};
    expect(repositoryMoveOf(noFrom, "d")).toEqual({ invalid: "repository.renamed without the repository's former name" });
    const dotted = structuredClone(payload) as { changes: { repository: { name: { from: string } } } };
    dotted.changes.repository.name.from = "../etc";
    expect(repositoryMoveOf(dotted, "d")).toHaveProperty("invalid");
    expect(repositoryMoveOf({ ...(payload as object), action: "archived" }, "d")).toHaveProperty("ignore");
    expect(repositorySeenIn(payload)).toEqual({
      repoId: 186853261,
      fullName: "Octocoders/Hello-World",
      actor: "Codertocat",
      installationId: 1,
      // GitHub's time of the repository: a move found by the delivery is as recent.
      at: "2019-05-15T15:20:41Z",
    });
  });

  it("rewrites a stored target's repository and clone URL, nothing else", () => {
    const target = { installationId: 1, repo: { owner: "acme", name: "old" }, cloneUrl: "https://gh.test/acme/old.git", pr: 3 };
    expect(renamedIn({ target, repo: "acme/old", note: "acme/old" }, "acme/old", "neo/new")).toEqual({
      target: { installationId: 1, repo: { owner: "neo", name: "new" }, cloneUrl: "https://gh.test/neo/new.git", pr: 3 },
      repo: "neo/new",
      note: "acme/old",
    });
    // Another repository's target is left as it is, its installation too.
    expect(renamedIn(target, "acme/other", "neo/new", 9)).toEqual(target);
    // Transferred, the repository is reached through the new account's installation.
    expect(renamedIn({ target }, "acme/old", "neo/new", 9)).toEqual({
      target: { installationId: 9, repo: { owner: "neo", name: "new" }, cloneUrl: "https://gh.test/neo/new.git", pr: 3 },
    });
  });
});
