import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ResourceAction } from "../../src/model/plan-summary.js";
import type { ProjectResult } from "../../src/model/project-result.js";
import { renderCheck } from "../../src/render/render-check.js";
import { createRedactor } from "../../src/util/redact.js";
import { type CommentInput, renderComments } from "../../src/render/render-comment.js";
import { parseMarker } from "../../src/render/comment-body.js";
import { summary } from "../golden/fixtures.js";
import { interpreted, structure, UNPAIRED_SURROGATE } from "../golden/markdown-checks.js";

const SECRET = "qz7sekr1tvalu3xx";
const SENSITIVE = "pl4n-sensitive-v4lue";

/** Pieces chosen to break things: fences, HTML, markers, mentions, escapes, surrogates, secrets. */
const NASTY = [
  "```",
  "`",
  "````````",
  "~~~",
  "</details>",
  "<details>",
  "<!-- sluice:job=other part=1 -->",
  "-->",
  "@org/team",
  "#123",
  "\x1b[31m",
  "\x1b]8;;http://x\x1b\\",
  "\r",
  "\n",
  "\r\n",
  "\t",
  "\u202e",
  "\u200d",
  "😀",
  "👨‍👩‍👧",
  "e\u0301\u0302",
  "日本",
  "\ud800",
  "\udc00",
  "[x](javascript:alert(1))",
  "<img src=x>",
  "*_~$|",
  "\\",
  " ",
  SECRET,
  SENSITIVE,
  `https://x-access-token:${SECRET}@github.com`,
];

const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.array(fc.constantFrom(...NASTY), { maxLength: Math.max(1, Math.floor(maxLength / 4)) }).map((a) => a.join("")),
  );

const bigText = fc.oneof(
  text(200),
  fc.tuple(text(50), fc.integer({ min: 1, max: 400 })).map(([t, n]) => t.repeat(n)),
);

const action = fc.constantFrom<ResourceAction>("create", "update", "delete", "replace", "read", "forget");

const project = fc.record({ name: text(40), dir: text(40), workspace: text(20) }).map((p) => ({
  ...p,
  runner: "terraform" as const,
}));

const result: fc.Arbitrary<ProjectResult> = fc.oneof(
  fc
    .record({
      project,
      output: bigText,
      resources: fc.array(fc.record({ address: text(80), action, reason: fc.option(text(20), { nil: undefined }) }), { maxLength: 60 }),
      moves: fc.array(fc.record({ from: text(30), to: text(30) }), { maxLength: 3 }),
    })
    .map(({ project, output, resources, moves }) => ({
      project,
      output,
      status: "planned" as const,
      summary: summary({
        add: resources.length,
        resources,
        moves,
        hasChanges: resources.length > 0,
        sensitiveValues: [SENSITIVE, "true"],
      }),
    })),
  fc.record({ project, output: bigText, failedStep: text(10), message: text(100) }).map((r) => ({
    ...r,
    status: "error" as const,
  })),
  fc.record({ project, output: text(50), reason: text(100) }).map((r) => ({ ...r, status: "refused" as const })),
);

const commentInput: fc.Arbitrary<CommentInput> = fc.record({
  jobId: fc.string({ maxLength: 20 }),
  command: fc.constantFrom("plan" as const, "apply" as const),
  state: fc.constantFrom("queued" as const, "running" as const, "done" as const),
  headSha: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), text(20)),
  triggerText: text(60),
  triggerUser: fc.option(text(20), { nil: undefined }),
  results: fc.array(result, { maxLength: 6 }),
  pending: fc.option(fc.array(text(20), { maxLength: 30 }), { nil: undefined }),
  notice: fc.option(text(300), { nil: undefined }),
  logUrl: fc.option(fc.oneof(fc.webUrl(), text(40)), { nil: undefined }),
});

describe("renderComments (property)", () => {
  it("never throws and keeps every invariant for arbitrary input", () => {
    const redact = createRedactor({ secrets: [SECRET] });
    fc.assert(
      fc.property(commentInput, fc.integer({ min: 1_000, max: 8_000 }), fc.integer({ min: 1, max: 5 }), (data, maxLength, maxComments) => {
        const bodies = renderComments(data, redact, { maxLength, maxComments });
        // Sensitive values are known from the plans only: without a planned result, nothing marks it.
        const sensitiveKnown = data.results.some((r) => r.status === "planned");
        expect(bodies.length).toBeGreaterThanOrEqual(1);
        expect(bodies.length).toBeLessThanOrEqual(maxComments);
        bodies.forEach((body, i) => {
          expect(body.length).toBeLessThanOrEqual(maxLength);
          expect(structure(body).problems).toEqual([]);
          expect(UNPAIRED_SURROGATE.test(body)).toBe(false);
          expect(body).not.toContain(SECRET);
          if (sensitiveKnown) expect(body).not.toContain(SENSITIVE);
          expect(body).not.toContain("\x1b");
          expect(parseMarker(body)).toEqual({ kind: "job", jobId: data.jobId, part: i + 1 });
          // Nothing user-derived is live markdown: no mention, reference, foreign HTML or marker.
          const live = interpreted(body);
          expect(live).not.toMatch(/@[\p{L}\p{N}_]/u);
          expect(live).not.toMatch(/#\d/);
          expect(live).not.toMatch(/<(?!\/?details|\/?summary|!-- sluice:job=)/);
          expect(live.split("<!-- sluice:job=").length).toBe(2);
        });
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it("renderCheck never throws, fits and leaks nothing", () => {
    const redact = createRedactor({ secrets: [SECRET] });
    fc.assert(
      fc.property(commentInput, (data) => {
        const check = renderCheck(data, redact);
        const sensitiveKnown = data.results.some((r) => r.status === "planned");
        expect(check.summary.length).toBeLessThanOrEqual(65_535);
        for (const field of [check.title, check.summary]) {
          expect(field).not.toContain(SECRET);
          if (sensitiveKnown) expect(field).not.toContain(SENSITIVE);
          expect(UNPAIRED_SURROGATE.test(field)).toBe(false);
        }
        expect(structure(check.summary).problems).toEqual([]);
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });

  it("a backslash at the end of the log URL cannot escape the link and leave a live reference (found by the property above)", () => {
    const data: CommentInput = {
      jobId: "",
      command: "plan",
      state: "queued",
      headSha: "0a00000aaa000aaaaa0aa0aaaa0aaaa0a00aaaa0",
      triggerText: "",
      results: [],
      logUrl: `https://x-access-token:${SECRET}@github.com#123\\`,
    };
    const [body] = renderComments(data, createRedactor({ secrets: [SECRET] }), { maxLength: 1000, maxComments: 1 });
    expect(body).toContain("[live log](https://github.com/#123%5c)");
    expect(interpreted(body as string)).not.toMatch(/#\d/);
  });
});
