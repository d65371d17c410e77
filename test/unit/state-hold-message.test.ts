import { describe, expect, it } from "vitest";
import type { Project } from "../../src/model/project.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { ProjectRunnerContext } from "../../src/tool-runs/project-runner.js";
import { keepState } from "../../src/tool-runs/state-holds.js";

/**
 * A state terraform could not save is kept with why the apply failed, and the console's overview
 * lists it ("Held projects") to every reader of the repository. That message is the tool's: the
 * read-back's `terraform state pull` failure is its last stderr line, unredacted where it is made.
 * Kept as is, a secret it carried was on the overview, where the PR comment shows it redacted.
 */
const SECRET = "s3cr3t-backend-token";
const project: Project = { name: "net", dir: "net", workspace: "default", runner: "terraform" };

describe("a kept state's message", () => {
  it("attack: is kept redacted with the run's secrets (control: the rest of it as said)", async () => {
    const store = openSqliteStore(":memory:");
    const ctx = {
      deps: { store },
      job: { id: 1, target: { installationId: 1, repo: { owner: "acme", name: "infra" }, cloneUrl: "", pr: 3 } },
      settings: {},
      secrets: { redact: (t: string) => t.replaceAll(SECRET, "***") },
    } as unknown as ProjectRunnerContext;
    const said = `the apply ran, but its state could not be read back through the backend: GET https://state.example/x?token=${SECRET}: 503`;
    await keepState(ctx, project, Buffer.from("{}"), said);
    const [hold] = await store.stateHolds();
    expect(hold?.message).toBe(
      "the apply ran, but its state could not be read back through the backend: GET https://state.example/x?token=***: 503",
    );
    await store.close();
  });
});
