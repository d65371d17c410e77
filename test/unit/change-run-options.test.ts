import { describe, expect, it } from "vitest";
import { changeRunOptions } from "../../runners/change-run-options.js";

describe("changeRunOptions", () => {
  it("streams a run that changes infrastructure under a pty and stops it gently over a limit", () => {
    const onOutput = () => {};
    const redact = (t: string) => t;
    const opts = changeRunOptions({ timeoutMs: 5000, onOutput }, { cwd: "/w", env: { A: "1" }, redact, sandboxReadOnly: ["/w/plan"] });
    expect(opts).toEqual({
      withholdStates: expect.any(Function),
      cwd: "/w",
      env: { A: "1" },
      redact,
      sandboxReadOnly: ["/w/plan"],
      timeoutMs: 5000,
      onOutput,
      pty: true,
      stopGently: true,
    });
  });

  it("withholds a state the run prints, handed to `printed` when given (else dropped: never shown)", () => {
    const printed: { text: string; cut: boolean }[] = [];
    const state = { text: "{}", cut: false };
    changeRunOptions({}, { cwd: "/w", printed }).withholdStates?.(state);
    expect(printed).toEqual([state]);
    expect(() => changeRunOptions({}, { cwd: "/w" }).withholdStates?.(state)).not.toThrow();
  });

  it("freezes no file unless asked", () => {
    const opts = changeRunOptions({ timeoutMs: 1 }, { cwd: "/w" });
    expect("sandboxReadOnly" in opts).toBe(false);
  });
});
