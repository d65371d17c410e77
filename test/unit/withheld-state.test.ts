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

describe("withholdPrintedStates: a state `apply -json` printed (one log line)", () => {
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: "5ee041a1",
    outputs: { x: { value: "generated-secret" } },
    resources: [],
  };
  const dump = `{"@level":"info","@message":"Emergency state dump","@module":"terraform.ui","@timestamp":"2026-11-27T16:42:07.224896Z","state":${JSON.stringify(state)},"type":"log"}`;
  const before = '{"@level":"info","@message":"terraform_data.pw: Creation complete","type":"apply_complete"}\r\n';
  const after = '{"@level":"error","@message":"Error: Failed to persist state to backend","type":"diagnostic"}\r\n';

  it.each([1, 5, 40, 10_000])("is withheld and its state kept as Terraform writes one, read %i characters at a time", (size) => {
    const { shown, states } = run(`${before}${dump}\r\n${after}`, size);
    expect(shown).toBe(`${before}${WITHHELD_STATE_LINE}${after}`);
    expect(states).toEqual([{ text: `${JSON.stringify(state)}\n`, cut: false }]);
  });

  it("right after a lone brace, its line's start read before its end, it is withheld all the same", () => {
    const states: PrintedState[] = [];
    const filter = withholdPrintedStates((s) => states.push(s));
    const long = dump.replace("generated-secret", `generated-secret${"z".repeat(2000)}`);
    expect(filter.push(`{\r\n${long.slice(0, 1500)}`)).toBe(`{\r\n${WITHHELD_STATE_LINE}`);
    expect(filter.push(`${long.slice(1500)}\r\nafter\r\n`)).toBe("after\r\n");
    expect(states).toHaveLength(1);
    expect(states[0]?.text).toContain("generated-secret");
  });

  it("its state is kept as printed, to the digit (a number past 2^53 is not rounded)", () => {
    const raw =
      '{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"l","outputs":{"n":{"value":12345678901234567891,"type":"number"}},"resources":[]}';
    const line = `{"@level":"info","@message":"Emergency state dump","@module":"terraform.ui","@timestamp":"2026-11-27T16:42:07.224896Z","state":${raw},"type":"log"}`;
    const { shown, states } = run(`${line}\r\n`, 13);
    expect(shown).toBe(WITHHELD_STATE_LINE);
    expect(states).toEqual([{ text: `${raw}\n`, cut: false }]);
  });

  it("one the output ends inside of is kept as cut (never shown)", () => {
    const { shown, states } = run(dump.slice(0, 200), 7);
    expect(shown).toBe(WITHHELD_STATE_LINE);
    expect(states).toEqual([{ text: "", cut: true }]);
  });

  it("control: other JSON log lines, and a line that only begins like the dump's, are shown as they are", () => {
    const other = `${before}{"@level":"info","@message":"Emergency"}\r\n{"@level":"info"\r\n{"@level":"info","@message":"Emergency state dump!"}\r\n`;
    for (const size of [1, 9, 1000]) expect(run(other, size)).toEqual({ shown: other, states: [] });
  });
});
