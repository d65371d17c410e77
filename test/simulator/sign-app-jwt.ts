import { createSign } from "node:crypto";

/** An app JWT as GitHub documents it (RS256, iss = app id, iat backdated 60 s, exp ≤ 10 min). */
export function signAppJwt(privateKeyPem: string, appId: number | string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${enc({ alg: "RS256", typ: "JWT" })}.${enc({ iat: now - 60, exp: now + 540, iss: appId, ...claims })}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(privateKeyPem).toString("base64url");
  return `${unsigned}.${signature}`;
}
