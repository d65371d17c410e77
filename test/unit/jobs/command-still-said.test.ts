import { describe, expect, it } from "vitest";
import { eventToJob } from "../../../src/ingress/event-to-job.js";
import { withdrawal } from "../../../src/authorization/command-still-asked.js";

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

describe("withdrawal of a long command line, as ingress keeps it", () => {
  // A `/state rm` of many for_each addresses (or an `/import` of a long ARN) runs past 200 columns.
  const addresses = Array.from({ length: 8 }, (_, i) => `module.service_${i}.aws_iam_role_policy_attachment.this`);
  const written = `/state rm -p prod ${addresses.join(" ")}`;
  const kept = () => {
    const d = eventToJob("issue_comment", comment(written), { autoplanDrafts: false });
    return "job" in d && "commandLine" in d.job.spec ? d.job.spec.commandLine : undefined;
  };

  it("an edit past the 200th column (an address taken out) is an edit", () => {
    expect(written.length).toBeGreaterThan(200);
    const edited = `/state rm -p prod ${addresses.slice(0, 7).join(" ")}`;
    expect(withdrawal({ body: edited }, kept())).toBe("edited");
  });

  it("control: the same long line, a note added below, is still said", () => {
    expect(withdrawal({ body: `${written}\nafter the migration` }, kept())).toBeUndefined();
  });
});

function comment(body: string) {
  return {
    action: "created",
    installation: { id: 1 },
    repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
    sender: { login: "bob", type: "User" },
    issue: { number: 7, pull_request: {} },
    comment: { id: 99, body, user: { login: "bob", type: "User" } },
  };
}
