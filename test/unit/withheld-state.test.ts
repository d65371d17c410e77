import { describe, expect, it } from "vitest";
import { PRINTED_STATE_MAX, type PrintedState, WITHHELD_STATE_LINE, withholdPrintedStates } from "../../runners/withheld-state.js";

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

describe("withholdPrintedStates: what it holds back is bounded", () => {
  it("a line that never ends is let through as it comes (only a lone `{` is held)", () => {
    const filter = withholdPrintedStates(() => undefined);
    const long = "x".repeat(100_000);
    expect(filter.push(long)).toBe(long);
    expect(filter.push("}\r\nmore\r\n")).toBe("}\r\nmore\r\n");
  });

  it("a state past what is kept is cut, and the rest of a line it began never ends the state early", () => {
    const states: PrintedState[] = [];
    const filter = withholdPrintedStates((s) => states.push(s));
    expect(filter.push('{\r\n  "version": 4,\r\n  "terraform_version": "1.11.4",\r\n')).toBe(WITHHELD_STATE_LINE);
    const chunk = "y".repeat(1024 * 1024);
    for (let i = 0; i < 65; i++) expect(filter.push(chunk)).toBe("");
    // The rest of that over-long line looks like a state's end: it is not one.
    expect(filter.push("\r\n}\r\n".slice(2))).toBe("");
    expect(filter.push('  "secret": "s3cr3t"\r\n}\r\nafter\r\n')).toBe("after\r\n");
    expect(states).toHaveLength(1);
    expect(states[0]?.cut).toBe(true);
    expect(states[0]?.text.length).toBeLessThanOrEqual(PRINTED_STATE_MAX);
  });
});
