import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProjectResult } from "../../src/model/project-result.js";
import { createRedactor } from "../../src/util/redact.js";
import { renderCheck } from "../../src/render/render-check.js";
import { type CommentInput, MAX_COMMENT, renderComments } from "../../src/render/render-comment.js";
import { parseMarker } from "../../src/render/comment-body.js";
import { renderInvalid } from "../../src/render/render-usage.js";
import { secretVariants } from "../../src/util/secret-variants.js";
import { input, planned, project, summary } from "../golden/fixtures.js";
import { interpreted, structure, UNPAIRED_SURROGATE } from "../golden/markdown-checks.js";

// Everything posted is built from text a PR controls: tool output, resource addresses, error
// messages, project names. These tests feed the renderer the worst of it.

const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const SERVER_SECRET = "db-Pa55word!with/slash+plus=";
const SENSITIVE = "sensitive-from-the-plan-9f2c";

/** Every rule a posted comment obeys, whatever went in. */
function expectSafe(bodies: string[], jobId: string, secrets: string[], maxComments = 10) {
  expect(bodies.length).toBeGreaterThanOrEqual(1);
  expect(bodies.length).toBeLessThanOrEqual(maxComments);
  bodies.forEach((body, i) => {
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(structure(body).problems).toEqual([]);
    expect(parseMarker(body)).toEqual({ kind: "job", jobId, part: i + 1 });
    expect(UNPAIRED_SURROGATE.test(body)).toBe(false);
    // eslint-disable-next-line no-control-regex
    expect(body).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    for (const secret of secrets) for (const v of secretVariants(secret)) expect(body).not.toContain(v);
    const live = interpreted(body);
    expect(live).not.toMatch(/@[\p{L}\p{N}_]/u);
    expect(live).not.toMatch(/#\d/);
    expect(live).not.toMatch(/<(?!\/?details|\/?summary|!-- sluice:job=)/);
  });
}

const redact = createRedactor({ secrets: [TOKEN, SERVER_SECRET] });

describe("secrets in what a plan prints", () => {
  it("a token inside a git error URL, in every form git and curl print it, is redacted", () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString("base64");
    const notice = [
      "Sluice could not finish this plan: git fetch failed (exit 128)",
      `fatal: unable to access 'https://x-access-token:${TOKEN}@github.com/acme/infra.git/': The requested URL returned error: 403`,
      `remote: https://x-access-token:${encodeURIComponent(TOKEN)}@github.com/acme/infra.git`,
      `> Authorization: Basic ${basic}`,
      `=> Send header: authorization: token ${TOKEN}`,
      `url = https://oauth2:unrelated-password@gitlab.example.com/x.git`,
      `{"token":"${JSON.stringify(TOKEN).slice(1, -1)}"}`,
    ].join("\n");
    const bodies = renderComments(input({ jobId: "7", state: "done", results: [], notice, tone: "failed" }), redact);
    expectSafe(bodies, "7", [TOKEN]);
    expect(bodies[0]).not.toContain("unrelated-password");
    expect(bodies[0]).toContain("[redacted]");
    const check = renderCheck(input({ jobId: "7", state: "done", results: [], notice, tone: "failed" }), redact);
    for (const v of secretVariants(TOKEN)) expect(check.summary).not.toContain(v);
  });

  it("sensitive values and server secrets are redacted even split by escape codes or zero-width characters", () => {
    const half = SERVER_SECRET.length >> 1;
    const output = [
      `  + password = "${SENSITIVE}"`,
      `  + split    = "${SERVER_SECRET.slice(0, half)}\x1b[0m${SERVER_SECRET.slice(half)}"`,
      `  + hidden   = "${SERVER_SECRET.slice(0, half)}\u200b${SERVER_SECRET.slice(half)}"`,
      `  + crlf     = "${SENSITIVE.slice(0, 5)}\r\n"`,
      `  + base64   = "${Buffer.from(`prefix:${SERVER_SECRET}`).toString("base64")}"`,
      `  + url      = "https://h/?p=${encodeURIComponent(SERVER_SECRET)}"`,
    ].join("\n");
    const results: ProjectResult[] = [
      planned(
        "net",
        summary({
          add: 1,
          hasChanges: true,
          sensitiveValues: [SENSITIVE],
          resources: [{ address: `x["${SENSITIVE}"]`, action: "create" }],
        }),
        output,
      ),
      { project: project("db"), status: "error", failedStep: "plan", message: `bad value ${SERVER_SECRET}`, output: `Error: ${SENSITIVE}` },
    ];
    // The caller's redactor does not know the plan's sensitive value: the renderer adds it.
    const data = input({ jobId: "8", state: "done", results });
    const bodies = renderComments(data, redact);
    expectSafe(bodies, "8", [SERVER_SECRET, SENSITIVE]);
    const check = renderCheck(data, redact);
    for (const s of [SERVER_SECRET, SENSITIVE]) expect(`${check.title}\n${check.summary}`).not.toContain(s);
  });
});

describe("private keys a plan can read", () => {
  it("are redacted as PEM and when base64-encoded whole (Probot's PRIVATE_KEY form, Kubernetes Secret data)", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    for (const pem of [privateKey.export({ type: "pkcs1", format: "pem" }), privateKey.export({ type: "pkcs8", format: "pem" })]) {
      const text = String(pem);
      const b64 = Buffer.from(text).toString("base64");
      // What a plan prints after reading /proc/<pid>/environ or a mounted secret.
      const output = `PRIVATE_KEY=${b64}\nWEBHOOK_PATH=/x\n  tls.key: ${b64}\n${text}\n`;
      const results = [planned("net", summary({ add: 1, hasChanges: true }), output)];
      const bodies = renderComments(input({ jobId: "13", state: "done", results }), createRedactor());
      const all = bodies.join("\n");
      expect(all).not.toContain(b64.slice(0, 120));
      expect(all).not.toContain(b64.slice(-120, -10));
      for (const line of text.split("\n").slice(1, -2)) expect(all).not.toContain(line);
      expect(all).toContain("WEBHOOK_PATH=/x");
    }
  });
});

describe("markup and control characters in what a plan prints", () => {
  const nasty = [
    "\x1b[31mred\x1b[0m text",
    "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07",
    "\x1bP+q\x1b\\device control",
    "\u009b31mC1 CSI",
    "a\u0000b\u0007c\u0008d",
    "\u202eoverride\u202c and \u2067isolate\u2069",
    "```",
    "````````",
    "~~~",
    "</details>",
    "<details open><summary>fake</summary>",
    "<!-- sluice:job=999 part=1 -->",
    "-->",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "@acme/admins please look",
    "cc @octocat",
    "fixes #123 and acme/infra#5 and GH-7",
    "</code></pre>",
  ];

  it("in the output, the change list, names, reasons and notices: nothing gets out of its code block", () => {
    const text = nasty.join("\n");
    const results: ProjectResult[] = [
      planned(
        "net",
        summary({
          add: nasty.length,
          hasChanges: true,
          resources: nasty.map((n, i) => ({ address: `terraform_data.x["${n}"]`, action: i % 2 ? "create" : "delete", reason: n })),
          moves: [{ from: nasty[6] ?? "", to: nasty[9] ?? "" }],
        }),
        `${text}\n${text}`,
      ),
      {
        project: { name: "@acme/admins", dir: "</details>", workspace: "#123", runner: "terraform" },
        status: "error",
        failedStep: "```",
        message: text,
        output: text,
      },
      { project: project("locked"), status: "refused", reason: `locked by @octocat in #12 ${nasty[7]}`, output: "" },
    ];
    const data = input({
      jobId: "9",
      state: "done",
      results,
      triggerText: `/plan -- -var 'x=@acme/admins #1 \`\`\` </details>'`,
      triggerUser: "@octocat",
      notice: `Heads up @acme/admins, see #123\n${text}`,
    });
    const bodies = renderComments(data, redact);
    expectSafe(bodies, "9", []);
    const all = bodies.join("\n");
    expect(all).toContain("red text");
    expect(all).toContain("click me");
    expect(all).not.toContain("evil.example");
    expect(all).not.toContain("\x1b");
    const check = renderCheck(data, redact);
    expect(structure(check.summary).problems).toEqual([]);
    expect(interpreted(check.summary)).not.toMatch(/@[\p{L}\p{N}_]|#\d/u);
  });

  it("a reply to an invalid command keeps the user's text inert", () => {
    const reason = `unknown command \`/deploy @acme/admins #1 </details> \u202e ${TOKEN}\``;
    const body = renderInvalid(reason, "usage", redact);
    expect(body).not.toContain(TOKEN);
    expect(body).not.toContain("\u202e");
    expect(interpreted(body)).not.toMatch(/@[\p{L}\p{N}_]|#\d|<\/details>/u);
  });
});

describe("size", () => {
  it("a 50 MB plan output becomes at most max_comments comments of at most 65,536 characters", () => {
    const line = `  + resource "terraform_data" "x" { input = "${"y".repeat(60)}" }\n`;
    const huge = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
    expect(huge.length).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    const results = [
      planned("net", summary({ add: 1, hasChanges: true, resources: [{ address: "terraform_data.x", action: "create" }] }), huge),
    ];
    for (const maxComments of [1, 10]) {
      const bodies = renderComments(input({ jobId: "10", state: "done", results }), redact, { maxComments });
      expect(bodies.length).toBeLessThanOrEqual(maxComments);
      expectSafe(bodies, "10", [], maxComments);
      expect(bodies[bodies.length - 1]).toMatch(/Output truncated: [\d,]+ more characters/);
    }
    const check = renderCheck(input({ jobId: "10", state: "done", results }), redact);
    expect(check.summary.length).toBeLessThanOrEqual(65_535);
  });

  it("10 MB of one line, or of backticks, is cut and fenced safely", () => {
    for (const huge of ["z".repeat(10 * 1024 * 1024), "`".repeat(10 * 1024 * 1024)]) {
      const results: ProjectResult[] = [{ project: project("net"), status: "error", failedStep: "plan", message: "boom", output: huge }];
      const bodies = renderComments(input({ jobId: "11", state: "done", results }), redact, { maxComments: 3 });
      expectSafe(bodies, "11", [], 3);
    }
  });

  it("hundreds of projects with big outputs still fit, and the check lists what the comment cannot", () => {
    const results = Array.from({ length: 200 }, (_, i) =>
      planned(
        `p${i}`,
        summary({ add: 1, hasChanges: true, resources: [{ address: `terraform_data.p${i}`, action: "create" }] }),
        "o".repeat(50_000),
      ),
    );
    const data = input({ jobId: "12", state: "done", results });
    expectSafe(renderComments(data, redact), "12", []);
    expect(renderCheck(data, redact).summary.length).toBeLessThanOrEqual(65_535);
  });
});

describe("redaction cost", () => {
  // Each input is a few megabytes of what a plan can print. A pattern that backtracks over the
  // line takes hours on these (80 KB of letters took 31 s before the patterns were bounded), so
  // the timeout, not a clock, is what fails.
  it.each([
    ["one long word", "z".repeat(4_000_000)],
    ["a scheme-like word with no URL", `${"http".repeat(1_000_000)}:`],
    ["x-access-token: again and again", "x-access-token:".repeat(250_000)],
    ["user:password-like pieces without @", "a://b:".repeat(600_000)],
    ["private key headers that never end", "-----BEGIN PRIVATE KEY-----!\n".repeat(600_000)],
    ["authorization headers without a value", `${"authorization: bearer ".padEnd(60, " ")}`.repeat(60_000)],
    ["a colour code between every letter", "a\x1b[0m".repeat(700_000)],
  ])(
    "stays linear on %s",
    (_, text) => {
      const out = redact(text);
      expect(out.length).toBeGreaterThan(0);
    },
    20_000,
  );
});

// Pieces that put a registered secret into the output in every disguise the redactor knows.
const disguises = (secret: string): string[] => {
  const half = secret.length >> 1;
  return [
    secret,
    `${secret.slice(0, half)}\x1b[1m${secret.slice(half)}`,
    `${secret.slice(0, half)}\u200b${secret.slice(half)}`,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(`x-access-token:${secret}`).toString("base64"),
    Buffer.from(`ab${secret}cd`).toString("base64"),
    `https://x-access-token:${secret}@github.com/a/b.git`,
  ];
};

describe("renderer (property): registered secrets never get out", () => {
  it("in any mix of output, names, notices and sizes", () => {
    const secret = fc.constantFrom(TOKEN, SERVER_SECRET, "short-but-ok-secret", "multi\nline\nsecret-value");
    const filler = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("```", "\n", "@team", "#1", "</details>", "\x1b[0m", " ", "`"));
    const piece = (s: string) => fc.oneof(filler, fc.constantFrom(...disguises(s)));
    fc.assert(
      fc.property(
        secret.chain((s) =>
          fc.record({
            s: fc.constant(s),
            output: fc.array(piece(s), { maxLength: 40 }).map((p) => p.join("")),
            notice: fc.array(piece(s), { maxLength: 10 }).map((p) => p.join("")),
            name: fc.array(piece(s), { maxLength: 3 }).map((p) => p.join("")),
            repeat: fc.integer({ min: 1, max: 200 }),
          }),
        ),
        fc.integer({ min: 1_000, max: 6_000 }),
        fc.integer({ min: 1, max: 4 }),
        ({ s, output, notice, name, repeat }, maxLength, maxComments) => {
          const r = createRedactor({ secrets: [s] });
          const results: ProjectResult[] = [
            {
              project: { name, dir: name || ".", workspace: "default", runner: "terraform" },
              status: "error",
              failedStep: "plan",
              message: notice,
              output: output.repeat(repeat),
            },
          ];
          const data: CommentInput = { ...input({ jobId: "p", state: "done", results }), notice };
          const bodies = renderComments(data, r, { maxLength, maxComments });
          expect(bodies.length).toBeLessThanOrEqual(maxComments);
          for (const body of bodies) {
            expect(body.length).toBeLessThanOrEqual(maxLength);
            expect(structure(body).problems).toEqual([]);
            for (const v of secretVariants(s)) expect(body).not.toContain(v);
          }
          const check = renderCheck(data, r);
          for (const v of secretVariants(s)) expect(`${check.title}\n${check.summary}`).not.toContain(v);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });
});
