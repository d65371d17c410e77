import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseComment, USAGE } from "../../src/command/parse-comment.js";
import { createRedactor } from "../../src/util/redact.js";
import { MAX_COMMENT } from "../../src/render/render-comment.js";
import { renderInvalid } from "../../src/render/render-usage.js";
import { withoutCodeSpans } from "../golden/markdown-checks.js";

// test/unit/parse-comment.test.ts checks what the parser returns; this file follows a hostile
// comment one step further, to what Sluice would run or post.

const TOKEN = "ghp_Q3m9X1v7Kp2L8s0Zt4R6y5W2a1B3c4D5e6F7";
const ALLOWED_EXTRA = /^-(var|var-file|target|replace|refresh|parallelism|lock-timeout)=[^\n]*$|^-(refresh-only|destroy|compact-warnings)$/;

const pieces = fc.constantFrom(
  "/plan",
  "/apply",
  "/unlock",
  "/help",
  "sluice",
  "atlantis",
  " ",
  "\t",
  "--",
  "-p",
  "-d",
  "-w",
  "-var",
  "-var-file",
  "-chdir",
  "-CHDIR",
  "--chdir",
  "-state",
  "-lock=false",
  "-plugin-dir",
  "-out",
  "-target",
  "=",
  "'",
  '"',
  "`",
  "$(",
  ")",
  ";",
  "&&",
  "|",
  ">",
  "<",
  "..",
  "/",
  "%2e",
  "~",
  "\\",
  "@acme/admins",
  "#123",
  "</details>",
  "```",
  "\u202e",
  "\u200b",
  "\u0000",
  "\uff0f",
  "\u2215",
  "\uff0e\uff0e",
  TOKEN,
  `x=${TOKEN}`,
  "a".repeat(300),
);
const comment = fc
  .array(fc.oneof({ arbitrary: pieces, weight: 4 }, { arbitrary: fc.string({ maxLength: 6 }), weight: 1 }), { maxLength: 24 })
  .map((parts) => parts.join(""));
const commandish = fc.tuple(fc.constantFrom("/plan ", "/apply ", "/unlock ", "sluice plan ", "/plan -- "), comment).map(([a, b]) => a + b);

/** What GitHub would render as markdown: outside code spans (replies have no fences). */
const live = (body: string) => body.split("\n").map(withoutCodeSpans).join("\n");

describe("a hostile comment, followed to what Sluice runs or posts (property)", () => {
  const redact = createRedactor({ secrets: [TOKEN] });

  it("a refused command gets a short, inert, redacted reply", () => {
    fc.assert(
      fc.property(fc.oneof(comment, commandish), (body) => {
        const result = parseComment(body, { allowAtlantisPrefix: true });
        if (result.type !== "invalid") return;
        const reply = renderInvalid(result.reason, USAGE, redact);
        expect(reply.length).toBeLessThanOrEqual(MAX_COMMENT);
        expect(reply).not.toContain(TOKEN);
        // eslint-disable-next-line no-control-regex
        expect(reply).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069]/);
        const reason = live(reply.split("\n")[0] ?? "");
        expect(reason).not.toMatch(/@[\p{L}\p{N}_]/u);
        expect(reason).not.toMatch(/#\d/);
        expect(reason).not.toMatch(/<\/?[a-z]/i);
      }),
      { numRuns: 3000 },
    );
  });

  it("an accepted command carries only allowlisted terraform flags, one argv entry each", () => {
    fc.assert(
      fc.property(commandish, (body) => {
        const result = parseComment(body);
        if (result.type !== "command" || result.command.kind !== "plan") return;
        for (const arg of result.command.extraArgs) {
          expect(arg).toMatch(ALLOWED_EXTRA);
          const [flag, ...value] = arg.split("=");
          if (flag === "-var-file") {
            const path = value.join("=");
            expect(path.startsWith("/")).toBe(false);
            expect(path.split("/")).not.toContain("..");
            expect(path).not.toMatch(/[%~\\]/);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("comments that try to smuggle a second command or flag", () => {
  it.each([
    ["/plan\n/apply", { type: "command", kind: "plan" }],
    ["/plan -p net\r/apply", { type: "command", kind: "plan" }],
    ["/plan -p net\u2028/apply", { type: "invalid" }],
    ["/plan -p 'net -- -chdir=/'", { type: "invalid" }],
    ["/plan -- -var 'x=1' -chdir=/", { type: "invalid" }],
    ["/plan -- -var=x=1 --chdir=/", { type: "invalid" }],
    ["/plan -- -var x=1 -- -chdir=/", { type: "invalid" }],
    ["/plan -- -target=-chdir=/", { type: "invalid" }],
    ["/plan -- -var-file -chdir=/etc", { type: "invalid" }],
    ["/plan -- -lock-timeout=1s -lock false", { type: "invalid" }],
    ["/apply -- -auto-approve", { type: "invalid" }],
    ["> /apply", { type: "none" }],
    ["`/apply`", { type: "none" }],
    ["<!-- -->/apply", { type: "none" }],
    ["/APPLY", { type: "invalid" }],
    ["\u202e/apply", { type: "invalid" }],
    ["/apply\u200b", { type: "invalid" }],
  ])("%j", (body, expected) => {
    const result = parseComment(body, { allowAtlantisPrefix: true });
    expect(result.type).toBe(expected.type);
    if ("kind" in expected && result.type === "command") {
      expect(result.command.kind).toBe(expected.kind);
      if (result.command.kind === "plan") expect(result.command.extraArgs).toEqual([]);
    }
  });
});
