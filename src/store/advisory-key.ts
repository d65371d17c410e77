import { createHash } from "node:crypto";

export type AdvisoryNamespace = "schema" | "replica" | "run" | "plan" | "joblog" | "lock" | "drift-issue" | "audit" | "policy";

/**
 * A 64-bit advisory lock key for `text`, as a decimal string (pg takes bigint parameters as text).
 * sha256 rather than `hashtext`: hashtext is 32-bit, so two busy projects would collide and wait on
 * each other far sooner. The namespace keeps run locks, replica liveness and schema setup apart.
 */
export function advisoryKey(namespace: AdvisoryNamespace, text: string): string {
  const digest = createHash("sha256").update(`sluice:${namespace}\0${text}`).digest();
  return digest.readBigInt64BE(0).toString();
}
