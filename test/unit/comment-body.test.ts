import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CommentBody,
  isOurs,
  jobMarker,
  parseComment,
  parseMarker,
  printComment,
  printMarker,
} from "../../src/render/comment-body.js";

// The hidden lines of Sluice's own comments. GitHub keeps comments written by every earlier
// version of Sluice: these bodies are byte for byte what the code before this model wrote.
const WRITTEN_BEFORE: [string, string, CommentBody][] = [
  [
    "a job's first part",
    "<!-- sluice:job=17 part=1 -->\n### Sluice plan for abc",
    { marker: jobMarker("17", 1), text: "### Sluice plan for abc" },
  ],
  [
    "a continuation",
    "<!-- sluice:job=17 part=3 -->\n_(this part is no longer used)_",
    { marker: jobMarker("17", 3), text: "_(this part is no longer used)_" },
  ],
  [
    "a refusal comment with its count",
    "<!-- sluice:job=refused-octocat part=1 -->\n<!-- sluice:refusals=4 -->\n**Sluice** · ⛔ refused",
    { marker: jobMarker("refused-octocat"), refusals: 4, text: "**Sluice** · ⛔ refused" },
  ],
  [
    "a drift issue body",
    "<!-- sluice:drift project=net%2Fcore -->\n## Drift in project `net/core`",
    { marker: { kind: "drift-issue", project: "net/core" }, text: "## Drift in project `net/core`" },
  ],
  ["a closing comment", "<!-- sluice:job=9-closed-net part=1 -->\nClosing.", { marker: jobMarker("9-closed-net"), text: "Closing." }],
];

describe("comment bodies", () => {
  it.each(WRITTEN_BEFORE)("reads %s as earlier versions wrote it, and prints it the same", (_name, body, parsed) => {
    expect(parseComment(body)).toEqual(parsed);
    expect(printComment(parsed)).toBe(body);
    expect(isOurs(body)).toBe(true);
  });

  it("prints the markers existing comments carry", () => {
    expect(printMarker(jobMarker(17))).toBe("<!-- sluice:job=17 part=1 -->");
    expect(printMarker({ kind: "drift-issue", project: "net" })).toBe("<!-- sluice:drift project=net -->");
  });

  it("round-trips any job id, project name, count and text", () => {
    const marker = fc.oneof(
      fc.record({ kind: fc.constant("job" as const), jobId: fc.string(), part: fc.integer({ min: 1, max: 999_999 }) }),
      fc.record({ kind: fc.constant("drift-issue" as const), project: fc.string() }),
    );
    // Text that starts with a hidden line of ours is not something Sluice writes (its text starts with a header).
    const text = fc.string().filter((s) => !s.startsWith("<!--"));
    fc.assert(
      fc.property(marker, fc.option(fc.integer({ min: 0, max: 999_999_999 }), { nil: undefined }), text, (m, refusals, t) => {
        const body: CommentBody = refusals === undefined ? { marker: m, text: t } : { marker: m, refusals, text: t };
        expect(parseComment(printComment(body))).toEqual(body);
      }),
    );
  });

  it("a job id or project name cannot end the hidden comment early", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        for (const line of [printMarker(jobMarker(s)), printMarker({ kind: "drift-issue", project: s })]) {
          expect(line.indexOf("-->")).toBe(line.length - 3);
          expect(line).not.toContain("\n");
        }
      }),
    );
  });

  it("reads the marker on the first line only: a plan that prints one is not ours", () => {
    const marker = printMarker(jobMarker("17"));
    expect(parseMarker(`hello\n${marker}`)).toBeUndefined();
    expect(isOurs(`### Terraform output\n${marker}`)).toBe(false);
    expect(parseMarker(` ${marker}`)).toBeUndefined();
    expect(parseMarker(`${marker}\r\nrest`)).toEqual(jobMarker("17"));
    expect(parseMarker("<!-- sluice:job=17 part=0 -->")).toBeUndefined();
    expect(parseMarker("<!-- sluice:job=%E0%A4%A part=1 -->")).toBeUndefined();
    expect(parseMarker("<!-- sluice:drift project=%E0%A4%A -->")).toBeUndefined();
    expect(parseMarker("<!-- sluice:job=17 part=1 --> trailing")).toBeUndefined();
    expect(parseMarker("")).toBeUndefined();
  });

  it("a refusal count is read from the line after the marker only, never from the text", () => {
    // The refusal text quotes the user's command: a count they type must not set Sluice's.
    const body = `${printMarker(jobMarker("refused-eve"))}\n**Sluice** refused\n<!-- sluice:refusals=999999999 -->`;
    expect(parseComment(body)?.refusals).toBeUndefined();
    expect(parseComment(`${printMarker(jobMarker("x"))}\n<!-- sluice:refusals=1234567890 -->\nt`)?.refusals).toBeUndefined();
  });
});
