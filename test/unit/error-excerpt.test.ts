import { describe, expect, it } from "vitest";
import { errorExcerpt } from "../../src/render/error-excerpt.js";

const boxed = (...lines: string[]) => ["╷", ...lines.map((l) => (l ? `│ ${l}` : "│")), "╵"].join("\n");

describe("the diagnostics a report shows of a failed run", () => {
  it.each([
    [
      "a boxed error, without its box",
      `terraform_data.web: Destroying...\n${boxed("Error: local-exec provisioner error", "", "  with terraform_data.web,", "Error running command 'exit 1': exit status 1.")}\n`,
      "Error: local-exec provisioner error\n\n  with terraform_data.web,\nError running command 'exit 1': exit status 1.",
    ],
    ["a warning's box is left out", `${boxed("Warning: deprecated", "old")}\n${boxed("Error: boom")}`, "Error: boom"],
    ["two errors, apart", `${boxed("Error: one")}\n${boxed("Error: two")}`, "Error: one\n\nError: two"],
    ["no boxes: from the first Error: on", "Applying...\nError: state locked\n  by someone\n", "Error: state locked\n  by someone"],
    ["no error at all", "Applying...\nkilled\n", ""],
    ["Windows line ends", "Error: boom\r\n", "Error: boom"],
  ])("%s", (_, output, excerpt) => {
    expect(errorExcerpt(output)).toBe(excerpt);
  });

  it("keeps at most maxLines lines, and says it cut", () => {
    const long = boxed("Error: many", ...Array.from({ length: 30 }, (_, i) => `line ${i}`));
    const out = errorExcerpt(long, 5).split("\n");
    expect(out).toEqual(["Error: many", "line 0", "line 1", "line 2", "line 3", "…"]);
  });
});
