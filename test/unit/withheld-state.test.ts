import { describe, expect, it } from "vitest";
import { type PrintedState, WITHHELD_STATE_LINE, withholdPrintedStates } from "../../runners/withheld-state.js";

// A Terraform state printed whole (terraform's last resort when it can save it nowhere) is taken
// out of the output as it streams, however the reads split it, and handed over to keep.

const STATE = [
  "{",
  '  "version": 4,',
  '  "terraform_version": "1.11.4",',
  '  "serial": 1,',
  '  "lineage": "5ee041a1",',
  '  "outputs": {',
  '    "x": { "value": "generated-secret" }',
  "  },",
  '  "resources": []',
  "}",
].join("\r\n");

/** Feeds `text` in reads of `size` characters; returns what was shown and the states withheld. */
function run(text: string, size: number): { shown: string; states: PrintedState[] } {
  const states: PrintedState[] = [];
  const filter = withholdPrintedStates((s) => states.push(s));
  let shown = "";
  for (let i = 0; i < text.length; i += size) shown += filter.push(text.slice(i, i + size));
  shown += filter.end();
  return { shown, states };
}

describe("withholdPrintedStates", () => {
  const before = "terraform_data.a: Creation complete\r\n";
  const after = "\r\n│ Error: Failed to persist state to backend\r\n";
  const output = `${before}${STATE}\r\n${after}`;

  it.each([1, 3, 7, 64, 10_000])("a state printed whole is withheld and kept, read %i characters at a time", (size) => {
    const { shown, states } = run(output, size);
    expect(shown).toBe(`${before}${WITHHELD_STATE_LINE}${after}`);
    expect(shown).not.toContain("generated-secret");
    expect(states).toEqual([{ text: `${STATE}\r\n`, cut: false }]);
  });

  it("control: JSON that is not a state (a lone brace, an object without the state's first keys) is shown as it is", () => {
    const json = '{\r\n  "version": 4,\r\n  "format_version": "1.2"\r\n}\r\n{\r\n}\r\nplain\r\n{';
    for (const size of [1, 5, 1000]) expect(run(json, size)).toEqual({ shown: json, states: [] });
  });

  it("a lone brace right before a state: the brace is shown, the state withheld", () => {
    const { shown, states } = run(`{\r\n${STATE}\r\n`, 4);
    expect(shown).toBe(`{\r\n${WITHHELD_STATE_LINE}`);
    expect(states).toHaveLength(1);
  });

  it("a state the output ends inside of is kept as cut (never shown)", () => {
    const { shown, states } = run(STATE.slice(0, 120), 9);
    expect(shown).toBe(WITHHELD_STATE_LINE);
    expect(states).toEqual([{ text: STATE.slice(0, 120), cut: true }]);
  });
});
