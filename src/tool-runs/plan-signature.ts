import { createHmac, timingSafeEqual } from "node:crypto";
import type { PlanRecord } from "../store/store.js";

type Signed = Pick<PlanRecord, "repo" | "pr" | "project" | "dir" | "workspace" | "planHash">;

/**
 * The key plan signatures use, derived from the webhook secret: every replica of one app has it,
 * the database does not. Someone who can write the database can change a stored plan and the
 * sha256 recorded beside it, but cannot sign the change.
 */
export function planSigningKey(webhookSecret: string): Buffer {
  return createHmac("sha256", webhookSecret).update("sluice plan files v1").digest();
}

/** The signature of a saved plan: its identity and the sha256 of its bytes, so it cannot be moved to another plan either. */
export function signPlan(key: Buffer, plan: Signed): string {
  return createHmac("sha256", key)
    .update(JSON.stringify([plan.repo, plan.pr, plan.project, plan.dir, plan.workspace, plan.planHash]))
    .digest("hex");
}

export function planSignatureValid(key: Buffer, plan: Signed, mac: string | undefined): boolean {
  if (!mac) return false;
  const want = Buffer.from(signPlan(key, plan), "hex");
  const got = Buffer.from(mac, "hex");
  return got.length === want.length && timingSafeEqual(got, want);
}
