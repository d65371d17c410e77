import { AnsiUp } from "ansi_up";
import { describe, expect, it } from "vitest";
import { logText } from "../../src/console/log-text.js";

/**
 * The job page reads a stored log (the PR's code wrote it) through logText, then ansi_up. Taking
 * out one ESC of `ESC ESC ]` or `ESC ESC [` leaves `ESC ]` or `ESC [`: the very sequence logText
 * was there to take out.
 */
const html = (text: string) => Object.assign(new AnsiUp(), { use_classes: true }).ansi_to_html(text);
const page = (stored: string) => html(logText(stored));
/** A hyperlink's opening that logText takes out first, leaving what was around it. */
const inner = "\x1b]8;;x\x07";

describe("the job page's reading of a run's output", () => {
  it("attack: a hyperlink behind a run of ESCs is no link on Sluice's page", () => {
    const stored = `plan: ok\n\x1b\x1b${inner}]8;;https://evil.example/approve\x1b\\Approve this plan here\x1b\x1b${inner}]8;;\x1b\\\nafter\n`;
    expect(page(stored)).not.toContain("<a ");
    expect(page(stored)).toContain("Approve this plan here");
    expect(page(stored)).toContain("after");
  });

  it("attack: an ESC ansi_up waits on for ever, behind another ESC, hides nothing after it", () => {
    const stored = "planning\n\x1b\x1b[1\u00e9\n  - destroy aws_db_instance.main\n";
    expect(page(stored)).toContain("destroy aws_db_instance.main");
    expect(page("planning\n\x1b\x1b\x1b\x1b[1\u00e9 x\n  - destroy db\n")).toContain("destroy db");
  });

  it("keeps colours, also after an ESC of their own (control)", () => {
    expect(page("a\x1b[31mred\x1b[0m b\n")).toBe('a<span class="ansi-red-fg">red</span> b\n');
    expect(page("a\x1b\x1b[31mred\x1b[0m b\n")).toBe('a<span class="ansi-red-fg">red</span> b\n');
    // A hyperlink's text stays, its link goes.
    expect(page("\x1b]8;;https://x.example/\x07Approve here\x1b]8;;\x07\n")).toBe("Approve here\n");
  });

  it("reads a long run of ESCs in one pass", () => {
    const t = Date.now();
    expect(logText(`${"\x1b".repeat(2_000_000)}x`)).toHaveLength(2_000_001);
    expect(logText(`${"\x1b".repeat(2_000_000)}]x`)).toBe("]x");
    expect(Date.now() - t).toBeLessThan(5_000);
  });
});
