import { describe, expect, it } from "vitest";
import { openSessionTokens, sealSessionTokens } from "../../src/sso/session-tokens.js";

/**
 * An SSO session's refresh token is kept in the store sealed with a key of the server's session
 * secret and the session id (which only the cookie holds), bound to its row: the database alone,
 * or a seal copied to another session's row, opens nothing.
 */
const SECRET = "s".repeat(32);
const tokens = { refreshToken: "rt-of-ada" };

describe("sealed SSO session tokens", () => {
  it("open with the session's secret, id and row (control), and hold no token in the clear", () => {
    const sealed = sealSessionTokens(tokens, SECRET, "sid-1", "row-1");
    expect(sealed).not.toContain("rt-of-ada");
    expect(openSessionTokens(sealed, SECRET, "sid-1", "row-1")).toEqual(tokens);
  });

  it("attack: open with no other session id, row, secret, nor once tampered with", () => {
    const sealed = sealSessionTokens(tokens, SECRET, "sid-1", "row-1");
    expect(openSessionTokens(sealed, SECRET, "sid-2", "row-1")).toBeUndefined();
    expect(openSessionTokens(sealed, SECRET, "sid-1", "row-2")).toBeUndefined();
    expect(openSessionTokens(sealed, "t".repeat(32), "sid-1", "row-1")).toBeUndefined();
    const [v, iv, body, tag] = sealed.split(".");
    // One bit of the ciphertext flipped (its text's last two characters can carry padding bits only).
    const bytes = Buffer.from(body ?? "", "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    const flipped = bytes.toString("base64url");
    expect(openSessionTokens([v, iv, flipped, tag].join("."), SECRET, "sid-1", "row-1")).toBeUndefined();
    expect(openSessionTokens("not a seal", SECRET, "sid-1", "row-1")).toBeUndefined();
  });
});
