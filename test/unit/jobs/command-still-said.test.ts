import { describe, expect, it } from "vitest";
import { withdrawal } from "../../../src/jobs/command-still-said.js";

describe("withdrawal: whether the comment that asked for a job still asks for it", () => {
  it.each([
    ["deleted (GitHub answers 404)", undefined, "/apply", "deleted"],
    ["deleted, a command kept without its line", undefined, undefined, "deleted"],
    ["its first line edited to something else", { body: "on second thought, not yet" }, "/apply", "edited"],
    ["its command edited to another command", { body: "/apply -p staging" }, "/apply -p prod", "edited"],
    ["its first line edited, CRLF", { body: "/plan -p a\r\nwhy" }, "/apply", "edited"],
    // GitHub shows these as code, not as something said: parseComment reads no command in them.
    ["its command indented into a code block", { body: "    /apply" }, "/apply", "edited"],
    ["its command indented by a tab", { body: "\t/apply -p prod\nonce approved" }, "/apply -p prod", "edited"],
    ["its command indented by two spaces and a tab", { body: "  \t/apply" }, "/apply", "edited"],
  ] as const)("%s: withdrawn", (_, now, line, expected) => {
    expect(withdrawal(now, line)).toBe(expected);
  });

  it.each([
    ["unchanged", { body: "/apply" }, "/apply"],
    ["a note added below the command", { body: "/apply\nthanks, reviewed" }, "/apply"],
    ["spaces around the command line, CRLF", { body: "  /apply -p net \r\nok" }, "/apply -p net"],
    ["three spaces before the command (not yet code)", { body: "   /apply" }, "/apply"],
    ["no body sent (another media type)", {}, "/apply"],
    ["a job that kept no command line", { body: "anything" }, undefined],
  ] as const)("control, %s: still said", (_, now, line) => {
    expect(withdrawal(now, line)).toBeUndefined();
  });
});
