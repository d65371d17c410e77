import { type KeyObject, verify } from "node:crypto";

export type JwtCheck = { ok: true } | { ok: false; message: string };

// GitHub's own wording, so an app's error handling sees what it would see in production.
const UNDECODABLE = "A JSON web token could not be decoded";

/** Checks what GitHub checks on an app JWT: RS256 signature by the app key, `iss`, and the time window. */
export function verifyAppJwt(jwt: string, publicKey: KeyObject, appId: number, nowSec = Math.floor(Date.now() / 1000)): JwtCheck {
  const parts = jwt.split(".");
  if (parts.length !== 3) return { ok: false, message: UNDECODABLE };
  const [h = "", p = "", s = ""] = parts;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    return { ok: false, message: UNDECODABLE };
  }
  if (header.alg !== "RS256") return { ok: false, message: UNDECODABLE };
  const signed = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, "base64url"));
  if (!signed) return { ok: false, message: UNDECODABLE };
  if (String(payload.iss) !== String(appId)) return { ok: false, message: "Integration not found" };
  const { iat, exp } = payload;
  if (typeof iat !== "number" || iat > nowSec + 60) {
    return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued." };
  }
  if (typeof exp !== "number" || exp <= nowSec) {
    return {
      ok: false,
      message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    };
  }
  if (exp > nowSec + 600 + 60) return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future." };
  return { ok: true };
}
