import { describe, expect, it } from "vitest";
import { createRedactor, extendRedactor } from "../../src/util/redact.js";

// A plan's sensitive values become secrets of the job's redactor, whatever their size: a PR's
// `output "x" { value = <15M characters>, sensitive = true }` (its show JSON still under the cap)
// made a redactor whose matcher needed an array of ~175M entries, and V8 ended the whole Sluice
// process ("Fatal JavaScript invalid size error"), every other job and apply with it.

const UNIT = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
const HUGE = UNIT.repeat(256 * 1000); // 18.4M characters, as the plan of the e2e case shows it

describe("a huge secret", () => {
  it("makes a redactor that works: the process survives, and the secret and its encodings are redacted", () => {
    const redact = createRedactor({ secrets: [HUGE, "small-secret-value-1"] });
    const hex = Buffer.from(HUGE).toString("hex");
    const out = redact(`a ${HUGE} b ${hex} c small-secret-value-1 d`);
    expect(out).toBe("a [redacted] b [redacted] c [redacted] d");
  });

  it("extending a redactor with one works too (a plan's sensitive values join the job's secrets)", () => {
    const base = createRedactor({ secrets: ["server-secret-value-2"] });
    const redact = extendRedactor(base, [HUGE]);
    expect(redact(`x ${HUGE.toUpperCase()} y server-secret-value-2`)).toBe("x [redacted] y [redacted]");
  });

  it("a text made to almost match a long secret's encoding is searched in linear time, not compared again at every position", () => {
    // The hex of a^1M (2M characters) is past the trie's budget. V8's indexOf compared it again at
    // each position of this text (the hex with one character changed, then more of it): ~30 s here,
    // hours for a run printing 64M characters of it, the job thread stuck the while.
    const redact = createRedactor({ secrets: ["a".repeat(1_000_000)] });
    const hex = "61".repeat(1_000_000);
    const text = `${hex.slice(0, -1)}x${"61".repeat(150_000)}`;
    const started = performance.now();
    expect(redact(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(5000);
    // Control: the encoding itself, and overlapping runs of it, are redacted whole.
    expect(redact(`<${hex}>`)).toBe("<[redacted]>");
    expect(redact(`<${hex}6161>`)).toBe("<[redacted]>");
  });

  it("a short secret repeated over a long output is one span, not one per character (4M characters held ~360 MB)", () => {
    // A PR marks "aaaa" sensitive and prints 64M a's: the matcher found it ending at every
    // position, and each [start, end] pair was kept until the replace, past the job thread's heap.
    const redact = createRedactor({ secrets: ["aaaa"] });
    const text = `x${"a".repeat(1_000_000)}y`;
    expect(redact.spans?.(text).length).toBeLessThan(10);
    expect(redact(text)).toBe("x[redacted]y");
    // Control: occurrences apart stay apart.
    expect(redact("aaaa-aaaa aaaaa")).toBe("[redacted]-[redacted] [redacted]");
  });

  it("control: ordinary secrets still go through the one matcher, overlapping ones leave no fragment", () => {
    const redact = createRedactor({ secrets: ["abcdefgh-1234", "1234-zyxwvuts", "abcdefgh-123"] });
    expect(redact("pre abcdefgh-1234-zyxwvuts post")).toBe("pre [redacted] post");
    expect(redact(`enc ${Buffer.from("abcdefgh-123").toString("base64")} end`)).toBe("enc [redacted] end");
  });
});
