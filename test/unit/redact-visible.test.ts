import { AnsiUp } from "ansi_up";
import { describe, expect, it } from "vitest";
import { liveRedactor } from "../../runners/live-redactor.js";
import { logText } from "../../src/console/log-text.js";
import { createRedactor, REDACTED } from "../../src/util/redact.js";

/**
 * A secret split by what a reader does not see (a colour code, a zero-width space, a lone \r, a
 * NUL) is whole on screen: the console turns a job's stored log into HTML with ansi_up as its job
 * page does (src/console/page-routes.ts), and a browser draws no invisible character. The stored
 * log is redacted as it streams (runners/live-redactor.ts), so the redactor must see what the
 * reader will.
 */
const SECRET = "s3rv3r-s3cr3t-v4lu3-0123456789";
const half = SECRET.length >> 1;
const [head, tail] = [SECRET.slice(0, half), SECRET.slice(half)];

/** What the console's job page shows of a stored log: ansi_up's HTML, as the text a reader sees. */
function onScreen(stored: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  const html = ansi.ansi_to_html(stored.replace(/\r\n/g, "\n").replace(/\r/g, ""));
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2060-\u2069\ufeff]/g, "");
}

const disguised: [string, string][] = [
  ["a colour reset", `${head}\x1b[0m${tail}`],
  ["a bold code", `${head}\x1b[1m${tail}`],
  ["an OSC 8 hyperlink around half", `${head}\x1b]8;;https://x.example/\x07${tail}\x1b]8;;\x07`],
  ["a zero-width space", `${head}\u200b${tail}`],
  ["a word joiner", `${head}\u2060${tail}`],
  ["a lone carriage return", `${head}\r${tail}`],
  ["a NUL", `${head}\x00${tail}`],
  ["a backspace and a DEL", `${head}\b\x7f${tail}`],
  ["several at once", `${SECRET.slice(0, 5)}\x1b[31m${SECRET.slice(5, 10)}\u200b${SECRET.slice(10, 20)}\x1b[0m${SECRET.slice(20)}`],
];

describe("a secret split by what a reader does not see", () => {
  const redact = createRedactor({ secrets: [SECRET] });

  it.each(disguised)("split by %s: redacted in the text the console shows", (_, split) => {
    const line = `  + password = "${split}"\n`;
    // Control: the console does show the secret whole when nothing redacts it.
    expect(onScreen(line)).toContain(SECRET);
    const stored = redact(line);
    expect(onScreen(stored)).not.toContain(SECRET);
    expect(stored).toContain(REDACTED);
    // Only the secret (and what split it) goes: the text around it stays (ansi_up prints the
    // hyperlink's closing sequence whose opening went with the secret).
    expect(onScreen(stored)).toMatch(/^ {2}\+ password = "\[redacted\](?:\]8;;)?"\n$/);
  });

  it.each(disguised)("split by %s: redacted as it streams, one character at a time", (_, split) => {
    let stored = "";
    const live = liveRedactor(redact, (s) => {
      stored += s;
    });
    for (const c of `before\n  + password = "${split}"\nafter\n`) live.push(c);
    live.flush();
    expect(onScreen(stored)).not.toContain(SECRET);
    expect(onScreen(stored)).toMatch(/^before\n {2}\+ password = "\[redacted\](?:\]8;;)?"\nafter\n$/);
  });

  it("a built-in pattern split the same way is found too", () => {
    const token = `ghp_${"a".repeat(18)}\x1b[0m${"b".repeat(18)}`;
    expect(onScreen(createRedactor()(`token ${token}\n`))).toBe(`token ${REDACTED}\n`);
  });

  it("escapes and invisible characters with no secret between them are left as they are", () => {
    const text = `\x1b[32m+ create\x1b[0m ${head}\u200b and ${tail}\r\nprogress 10%\rprogress 20%\n`;
    expect(redact(text)).toBe(text);
  });
});

/**
 * The console's reader is ansi_up, not a terminal: it drops a lone ESC (one before a letter, a
 * `]` that opens no hyperlink, a CSI it finds illegal) but shows what follows, where a terminal
 * takes the next character(s) with it. And a browser draws no default-ignorable character (a soft
 * hyphen, a variation selector, a tag character). A view that reads only as a terminal does
 * misses the secret these make whole on the job page.
 */
const browserSplit: [string, string][] = [
  ["a lone ESC before a letter", `${head}\x1b${tail}`],
  ["a lone ESC before a letter beside a colour code", `${SECRET.slice(0, 5)}\x1b[31m${SECRET.slice(5, 12)}\x1b${SECRET.slice(12)}`],
  ["a soft hyphen", `${head}\u00ad${tail}`],
  ["a combining grapheme joiner", `${head}\u034f${tail}`],
  ["a variation selector", `${head}\ufe0f${tail}`],
  ["a tag character", `${head}\u{e0041}${tail}`],
];

/** ansi_up's HTML as a browser draws it: every default-ignorable character unseen too. */
const drawn = (stored: string) => onScreen(stored).replace(/\p{Default_Ignorable_Code_Point}/gu, "");

describe("a secret split by what the console's reader does not show, though a terminal would", () => {
  const redact = createRedactor({ secrets: [SECRET] });

  it.each(browserSplit)("split by %s: redacted in the text the console shows", (_, split) => {
    const line = `  + password = "${split}"\n`;
    // Control: the job page does show the secret whole when nothing redacts it.
    expect(drawn(line)).toContain(SECRET);
    const stored = redact(line);
    expect(drawn(stored)).not.toContain(SECRET);
    expect(stored).toContain(REDACTED);
  });

  it.each(browserSplit)("split by %s: redacted as it streams", (_, split) => {
    let stored = "";
    const live = liveRedactor(redact, (s) => {
      stored += s;
    });
    for (const c of `before\n  + password = "${split}"\nafter\n`) live.push(c);
    live.flush();
    expect(drawn(stored)).not.toContain(SECRET);
    expect(drawn(stored)).toMatch(/^before\n {2}\+ password = "\[redacted\]"\nafter\n$/);
  });

  it("what a terminal reads as one sequence is still found as a terminal reads it", () => {
    // Control for the two readers: ESC 7 (save cursor) hides the 7 in a terminal, not on the page.
    const secret = "abcdef-0123456789";
    const split = `abcdef-01234\x1b756789`;
    expect(createRedactor({ secrets: [secret] })(`x ${split}\n`)).toBe(`x ${REDACTED}\n`);
  });
});

/**
 * The job page reads a stored log through src/console/log-text.ts before ansi_up: it drops every
 * \r and every terminal hyperlink. What is left once they are gone is what ansi_up reads: a CSI
 * split by a \r or a hyperlink is one sequence again, and a hyperlink whose opening holds another
 * one was a hyperlink again (its text shown, its address a link on Sluice's page).
 */
const pageSplit: [string, string][] = [
  ["a colour code split by a \\r", `${head}\x1b[3\r1m${tail}`],
  ["a colour code with a \\r after its ESC", `${head}\x1b\r[31m${tail}`],
  ["a colour code split by a hyperlink", `${head}\x1b\x1b]8;;\x07[31m${tail}`],
];

/** The job page (src/console/page-routes.ts): log-text.ts, then ansi_up, as a browser draws it. */
const paged = (stored: string) => drawn(logText(stored));

describe("a secret split by what the job page's log reading makes into one sequence", () => {
  const redact = createRedactor({ secrets: [SECRET] });

  it.each(pageSplit)("split by %s: redacted in the text the job page shows", (_, split) => {
    const line = `  + password = "${split}"\n`;
    // Control: the job page does show the secret whole when nothing redacts it.
    expect(paged(line)).toContain(SECRET);
    const stored = redact(line);
    expect(paged(stored)).not.toContain(SECRET);
    expect(stored).toContain(REDACTED);
  });

  it.each(pageSplit)("split by %s: redacted as it streams", (_, split) => {
    let stored = "";
    const live = liveRedactor(redact, (s) => {
      stored += s;
    });
    for (const c of `before\n  + password = "${split}"\nafter\n`) live.push(c);
    live.flush();
    expect(paged(stored)).not.toContain(SECRET);
  });

  it("a hyperlink nested in a hyperlink's opening is no link on the page", () => {
    const nested = "\x1b]8;;\x1b]8;;\x07https://x.example/\x07Approve here\x1b]8;;\x1b]8;;\x07\x07\n";
    const html = (text: string) => Object.assign(new AnsiUp(), { use_classes: true }).ansi_to_html(text);
    // Control: ansi_up makes a link of the hyperlink the nesting leaves once the inner ones go.
    expect(html(nested.replace(/\x1b\]8;;\x07/g, "").replace("\x1b]8;;\x1b]8;;\x07", ""))).toContain("<a ");
    expect(html(logText("\x1b]8;;https://x.example/\x07Approve here\x1b]8;;\x07\n"))).not.toContain("<a ");
    expect(html(logText(nested))).not.toContain("<a ");
    expect(paged(nested)).toContain("Approve here");
    // A secret split that way was shown whole, its second half as the link's text.
    const split = `${head}\x1b]8;;\x1b]8;;\x07https://x.example/\x07${tail}\x1b]8;;\x1b]8;;\x07\x07`;
    expect(paged(createRedactor({ secrets: [SECRET] })(`  + password = "${split}"\n`))).not.toContain(SECRET);
  });
});

/**
 * ansi_up takes ESC ( with the character after it, a line end too: on the job page the next line
 * goes on where this one ends. Live output is stored a line at a time, so a secret split there
 * across two lines was in two stored pieces, neither of which holds it.
 */
describe("a secret split across a line end the job page does not show", () => {
  const redact = createRedactor({ secrets: [SECRET] });
  const output = [`before\n  + password = "${head}\x1b(\n${tail}"\nafter\n`, `before\n  + password = "${head}\x1b(\r\r\n${tail}"\nafter\n`];

  it.each(output)("redacted as it streams, line by line (%j)", (text) => {
    // Control: the page shows it whole unredacted, and redacted whole it is found.
    expect(paged(text)).toContain(SECRET);
    expect(paged(redact(text))).not.toContain(SECRET);
    let stored = "";
    const live = liveRedactor(redact, (s) => {
      stored += s;
    });
    for (const c of text) live.push(c);
    live.flush();
    expect(paged(stored)).not.toContain(SECRET);
  });

  it("a run's last line ending so does not join the next run's output", () => {
    let stored = "";
    const live = liveRedactor(redact, (s) => {
      stored += s;
    });
    live.push(`x ${head}\x1b(`);
    live.flush();
    stored += redact(`${tail}\n`);
    expect(paged(stored)).not.toContain(SECRET);
  });
});
