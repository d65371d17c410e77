import { describe, expect, it } from "vitest";
import type { ProjectResult } from "../../src/model/project-result.js";
import { createRedactor, REDACTED } from "../../src/util/redact.js";
import { MAX_COMMENT, renderComments } from "../../src/render/render-comment.js";
import { parseMarker } from "../../src/render/comment-body.js";
import { stripControl } from "../../src/util/sanitize.js";
import { input, mixedSummary, planned, project, summary } from "../golden/fixtures.js";
import { outputFences, reassemble, structure, UNPAIRED_SURROGATE } from "../golden/markdown-checks.js";

const redact = createRedactor({ secrets: ["correct-horse-battery"] });

/** Every invariant a posted comment set must keep. */
function checkComments(bodies: string[], maxLength: number, jobId = "17"): void {
  expect(bodies.length).toBeGreaterThanOrEqual(1);
  bodies.forEach((body, i) => {
    expect(body.length).toBeLessThanOrEqual(maxLength);
    expect(UNPAIRED_SURROGATE.test(body)).toBe(false);
    expect(structure(body).problems).toEqual([]);
    expect(parseMarker(body)).toEqual({ kind: "job", jobId, part: i + 1 });
    if (i > 0) expect(body).toContain(`(part ${i + 1} of ${bodies.length})`);
  });
}

function cutCount(bodies: string[]): number {
  const match = /Output truncated: ([\d,]+) more characters/.exec(bodies.at(-1) ?? "");
  return match?.[1] ? Number(match[1].replace(/,/g, "")) : 0;
}

/** Emoji (with ZWJ and modifiers), CJK and stacked combining marks, in lines longer than a chunk. */
function unicodeSoup(size: number): string {
  const pieces = ["😀", "👨‍👩‍👧‍👦", "👍🏽", "日本語の出力", "e\u0301\u0302", "a\u0308\u0323", "🇫🇷", "한국어", " "];
  let text = "";
  let i = 0;
  while (text.length < size) {
    text += pieces[(i * 7 + (i >> 3)) % pieces.length];
    i++;
    // Mostly very long lines, so most cuts cannot fall on a newline.
    if (i % 50_000 === 0) text += "\n";
  }
  return `${text}\n`;
}

function graphemesIntact(chunks: string[]): void {
  for (const chunk of chunks) {
    // A chunk never starts with a combining mark, ZWJ, skin tone or low surrogate…
    expect(chunk).not.toMatch(/^(?:\p{M}|\u200d|\ud83c[\udffb-\udfff]|[\udc00-\udfff])/u);
    // …and never ends inside a ZWJ sequence or a surrogate pair.
    expect(chunk.replace(/\n$/, "")).not.toMatch(/(?:\u200d|[\ud800-\udbff])$/);
  }
}

describe("splitting", () => {
  it("splits a 2 MB unicode output into valid comments that reassemble exactly", () => {
    const raw = unicodeSoup(2_000_000);
    const output = stripControl(raw);
    expect(output).toBe(raw);
    const bodies = renderComments(input({ results: [planned("net", mixedSummary, output)] }), redact, {
      maxComments: 40,
    });
    checkComments(bodies, MAX_COMMENT);
    expect(bodies.length).toBeGreaterThanOrEqual(Math.ceil(output.length / MAX_COMMENT));
    const chunks = outputFences(bodies);
    graphemesIntact(chunks);
    expect(cutCount(bodies)).toBe(0);
    expect(reassemble(output, chunks)).toBe(output.length);
  });

  it("truncates beyond maxComments and says how much was cut", () => {
    const output = unicodeSoup(2_000_000);
    const bodies = renderComments(input({ results: [planned("net", mixedSummary, output)] }), redact);
    checkComments(bodies, MAX_COMMENT);
    expect(bodies.length).toBe(10);
    const cut = cutCount(bodies);
    expect(cut).toBeGreaterThan(0);
    expect(reassemble(output, outputFences(bodies))).toBe(output.length - cut);
  });

  it("keeps the order of several outputs across comments and cuts only the tail", () => {
    const outputs = ["first\n".repeat(3_000), "second\n".repeat(500), "third\n".repeat(8_000)];
    const results = outputs.map((o, i) => planned(`p${i}`, summary(), o));
    const bodies = renderComments(input({ results }), redact, { maxLength: 8_000, maxComments: 6 });
    checkComments(bodies, 8_000);
    const all = outputs.join("");
    const cut = cutCount(bodies);
    expect(cut).toBeGreaterThan(0);
    expect(reassemble(all, outputFences(bodies))).toBe(all.length - cut);
    expect(bodies[1]).toContain("Output of **`p0`** (continued)");
  });

  it("keeps outputs that fit in the first comment", () => {
    const bodies = renderComments(
      input({ results: [planned("a", summary(), "small\n"), planned("b", summary(), "also small\n")] }),
      redact,
    );
    expect(bodies.length).toBe(1);
    expect(outputFences(bodies)).toEqual(["small\n", "also small\n"]);
  });

  it("says truncated in the only comment when maxComments is 1", () => {
    const output = "line of plan output\n".repeat(5_000);
    const bodies = renderComments(input({ results: [planned("net", mixedSummary, output)] }), redact, {
      maxLength: 5_000,
      maxComments: 1,
    });
    checkComments(bodies, 5_000);
    expect(bodies.length).toBe(1);
    const cut = cutCount(bodies);
    expect(reassemble(output, outputFences(bodies))).toBe(output.length - cut);
    expect(cut).toBeGreaterThan(90_000);
  });

  it("survives an output that is one huge backtick run", () => {
    const output = "`".repeat(200_000);
    const bodies = renderComments(input({ results: [planned("net", summary(), output)] }), redact, {
      maxLength: 10_000,
      maxComments: 5,
    });
    checkComments(bodies, 10_000);
    const cut = cutCount(bodies);
    expect(reassemble(output, outputFences(bodies))).toBe(output.length - cut);
  });

  it("redacts before splitting, so a secret cannot straddle two chunks", () => {
    const output = `${"x".repeat(3_000)}correct-horse-battery${"y".repeat(3_000)}\n`;
    const bodies = renderComments(input({ results: [planned("net", summary(), output)] }), redact, {
      maxLength: 2_000,
      maxComments: 10,
    });
    checkComments(bodies, 2_000);
    const joined = outputFences(bodies).join("");
    expect(joined.replace(/\n/g, "")).toContain(REDACTED.slice(0, 3));
    expect(bodies.join("")).not.toMatch(/correct-horse|horse-battery/);
  });

  it("strips control characters before splitting and reassembles the sanitized text", () => {
    const raw = "\x1b[32m+\x1b[0m create\r\nprogress 10%\r50%\r100%\n".repeat(2_000);
    const bodies = renderComments(input({ results: [planned("net", summary(), raw)] }), redact, {
      maxLength: 4_000,
      maxComments: 50,
    });
    checkComments(bodies, 4_000);
    const clean = stripControl(raw);
    expect(reassemble(clean, outputFences(bodies))).toBe(clean.length);
  });
});

describe("the first comment", () => {
  const many = (n: number, resources = 30): ProjectResult[] =>
    Array.from({ length: n }, (_, i) =>
      planned(
        `project-${i}`,
        summary({
          add: resources,
          hasChanges: true,
          resources: Array.from({ length: resources }, (_, r) => ({
            address: `module.m${i}.aws_instance.web["key ${r}"]`,
            action: "create" as const,
          })),
        }),
        `plan output of ${i}\n`.repeat(50),
      ),
    );

  it("holds every project's summary and shortens change lists to fit", () => {
    const results = many(40);
    const bodies = renderComments(input({ results }), redact, { maxLength: 20_000 });
    checkComments(bodies, 20_000);
    const first = bodies[0] as string;
    for (let i = 0; i < 40; i++) expect(first).toContain(`**\`project-${i}\`**`);
    expect(first).toMatch(/… and \d+ more/);
  });

  it("lists as many of 500 projects as fit and points to the check run", () => {
    const bodies = renderComments(input({ results: many(500, 5) }), redact);
    checkComments(bodies, MAX_COMMENT);
    const first = bodies[0] as string;
    expect(first).toContain("**`project-0`**");
    expect(first).toMatch(/… \d+ more projects, see the check run `sluice\/plan`\./);
  });

  it("fits 500 projects in a small comment too", () => {
    const bodies = renderComments(input({ results: many(500, 5), notice: "n".repeat(5_000) }), redact, {
      maxLength: 1_000,
    });
    checkComments(bodies, 1_000);
    expect(bodies[0]).toMatch(/### Sluice plan for 1a2b3c4/);
  });

  it("keeps hostile output inside its fence", () => {
    const hostile = ["```", "</details>", "<!-- sluice:job=other part=1 -->", "````````", "@org/team #123 <script>alert(1)</script>"].join(
      "\n",
    );
    const results = [
      planned("net", summary(), hostile),
      {
        project: project('we"ird`name', "a/`b`", "w@ks"),
        status: "refused",
        reason: "@org/team </details> ```",
        output: hostile,
      } satisfies ProjectResult,
    ];
    const bodies = renderComments(input({ results }), redact, { maxLength: 1_500 });
    checkComments(bodies, 1_500);
    for (const body of bodies) {
      // Outside fences: no raw mention, reference or closing tag that the output smuggled in.
      const outside = body
        .split("\n")
        .filter((_, i, lines) => !insideFence(lines, i))
        .join("\n")
        .replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
      expect(outside).not.toMatch(/@org|#123|<script|sluice:job=other/);
      expect(outside.match(/<\/details>/g)?.length ?? 0).toBe(outside.match(/<details/g)?.length ?? 0);
    }
    expect(outputFences(bodies).join("")).toContain("<!-- sluice:job=other part=1 -->");
  });

  it("refuses a maxLength too small for any comment", () => {
    expect(() => renderComments(input(), redact, { maxLength: 500 })).toThrow(RangeError);
  });
});

function insideFence(lines: string[], index: number): boolean {
  let open = 0;
  for (let i = 0; i < index; i++) {
    const run = /^(`{3,})/.exec(lines[i] as string)?.[1]?.length ?? 0;
    if (open === 0 && run >= 3) open = run;
    else if (open > 0 && run >= open && /^`+ *$/.test(lines[i] as string)) open = 0;
  }
  const own = /^(`{3,})/.exec(lines[index] as string);
  return open > 0 || own !== null;
}
