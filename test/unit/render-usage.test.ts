import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/util/redact.js";
import { renderInvalid, renderUsage } from "../../src/render/render-usage.js";

const USAGE = "**Sluice commands**: `/plan`, `/apply`, `/unlock`, `/help`";

describe("renderUsage / renderInvalid", () => {
  it("posts the usage as is", () => {
    expect(renderUsage(USAGE)).toBe(USAGE);
  });

  it("puts the reason first, then the usage", () => {
    expect(renderInvalid("unknown flag `-x`", USAGE)).toBe(`⚠️ unknown flag \`-x\`\n\n${USAGE}`);
  });

  it("redacts and flattens the reason", () => {
    const token = `ghp_${"a".repeat(36)}`;
    const out = renderInvalid(`bad -var\n'token=${token}'\x1b[31m s3cr3t-value`, USAGE, createRedactor({ secrets: ["s3cr3t-value"] }));
    expect(out).not.toContain(token);
    expect(out).not.toContain("s3cr3t-value");
    expect(out).not.toContain("\x1b");
    expect(out.split("\n")[0]).toContain("bad -var 'token=[redacted]' [redacted]");
  });

  it("never posts an empty reason", () => {
    expect(renderInvalid("  \n", USAGE)).toMatch(/^⚠️ invalid command\n\n/);
  });
});
