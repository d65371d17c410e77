import { describe, expect, it } from "vitest";
import type { Exec } from "../../../runners/runner.js";
import { pullState } from "../../../runners/terraform/state-read-back.js";

// A `state pull` is run unredacted (its stdout is the state, parsed, never shown), so the error
// line a failed one prints goes into failure messages only through the run's redactor.
const failing: Exec = async () => ({
  exitCode: 1,
  timedOut: false,
  durationMs: 5,
  stdout: "",
  stderr: "Error: Failed to load state: GET https://deploy:tok-5ecr3t-9q@state.example/net: 503\n",
});
const where = { cwd: "/tmp", env: {}, timeoutMs: 1_000 };

describe("a failed state pull's message", () => {
  it("is redacted with the run's redactor: a backend URL's credentials are not in it", async () => {
    const out = await pullState(failing, "terraform", { ...where, redact: (t) => t.replaceAll("tok-5ecr3t-9q", "***") });
    expect(out).toEqual({
      error: "`terraform state pull` failed: Error: Failed to load state: GET https://deploy:***@state.example/net: 503",
    });
  });

  it("control: it says what failed (the message is kept, not dropped)", async () => {
    const out = await pullState(failing, "terraform", where);
    expect("error" in out && out.error).toContain("Failed to load state");
  });
});
