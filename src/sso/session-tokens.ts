import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { SsoSessionTokens } from "../model/sso-session.js";

const INFO = "sluice console sso session tokens v1";

/**
 * The key of one session's tokens: derived from the server's session secret (never in the
 * database) and the session id (only in the sealed cookie; the database keeps its digest), so that
 * neither a copy of the database nor one of the environment opens a refresh token by itself.
 */
function keyOf(sessionSecret: string, sid: string): Buffer {
  return Buffer.from(hkdfSync("sha256", sessionSecret, sid, INFO, 32));
}

/** The provider's tokens sealed with AES-256-GCM, bound to the session's store key (its row). */
export function sealSessionTokens(tokens: SsoSessionTokens, sessionSecret: string, sid: string, rowKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(sessionSecret, sid), iv);
  cipher.setAAD(Buffer.from(rowKey));
  const body = Buffer.concat([cipher.update(JSON.stringify(tokens), "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** The tokens of a seal, or undefined when it is not this session's (another key, another row, tampered). */
export function openSessionTokens(sealed: string, sessionSecret: string, sid: string, rowKey: string): SsoSessionTokens | undefined {
  const [v, iv, body, tag] = sealed.split(".");
  if (v !== "v1" || !iv || body === undefined || !tag) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(sessionSecret, sid), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(rowKey));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const text = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    const t = JSON.parse(text) as SsoSessionTokens;
    return typeof t === "object" && t !== null ? t : undefined;
  } catch {
    return undefined;
  }
}
