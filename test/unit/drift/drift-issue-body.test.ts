import { describe, expect, it } from "vitest";
import { type DriftIssueBody, parseDriftIssueBody, printDriftIssueBody } from "../../../src/drift/drift-issue-body.js";

const bodies: DriftIssueBody[] = [
  { project: "net", text: "## Drift in project `net`\n\nSome text." },
  { project: "envs/prod-eu", text: "" },
  { project: "weird --> name\nwith a line", text: "text" },
  { project: "100% ünïcode ✓", text: "multi\nline\n\ntext\n" },
  { project: "a", text: "<!-- sluice:drift project=other -->\nquoted marker" },
];

describe("a drift issue's body", () => {
  it.each(bodies)("prints and parses back to the same model: $project", (body) => {
    const printed = printDriftIssueBody(body);
    expect(parseDriftIssueBody(printed)).toEqual(body);
    // And the text printed again is the text parsed: nothing is lost or added either way.
    expect(printDriftIssueBody(parseDriftIssueBody(printed) as DriftIssueBody)).toBe(printed);
  });

  it("keeps the project on the first line, whatever its name holds", () => {
    const printed = printDriftIssueBody({ project: "x -->\n<!-- sluice:drift project=y -->", text: "t" });
    expect(printed.split("\n")).toHaveLength(2);
    expect(parseDriftIssueBody(printed)?.project).toBe("x -->\n<!-- sluice:drift project=y -->");
  });

  it.each([
    ["any other text", "Some issue\n<!-- sluice:drift project=net -->"],
    ["a marker not on the first line", "\n<!-- sluice:drift project=net -->"],
    ["a broken URI encoding", "<!-- sluice:drift project=%E0%A4%A -->\ntext"],
    ["an unclosed marker", "<!-- sluice:drift project=net\ntext"],
    ["an empty body", ""],
  ])("names no project for %s", (_, text) => {
    expect(parseDriftIssueBody(text)).toBeUndefined();
  });
});
