import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { PlanRecord, Store } from "../store/store.js";
import { hashFile } from "../workspace/hash-file.js";
import { planSignatureValid } from "./plan-signature.js";
import { notHereReason } from "./read-plan-file.js";

export type PlanFileHere = { ok: true; planFile: string; copyDir?: string } | { ok: false; reason: string; copyDir?: string };

const isMissing = (e: unknown) => (e as { code?: string }).code === "ENOENT";

/**
 * A saved plan as a verified file on this replica: the file the plan job wrote, when this replica
 * made the plan (the fast path), or else a copy of the store's bytes written into `copyDir` (0400).
 * Either way the sha256 is computed on the file that will be applied, so the caller calls this
 * inside the project's run lock and removes `copyDir`, when set, after the apply.
 */
export async function planFileHere(
  store: Pick<Store, "planFile" | "formerNamesFreeOf">,
  plan: Pick<PlanRecord, "id" | "planPath" | "planHash" | "repo" | "pr" | "project" | "dir" | "workspace">,
  copyDir: string,
  key: Buffer,
): Promise<PlanFileHere> {
  const local = await hashFile(plan.planPath).catch((e: unknown) => (isMissing(e) ? undefined : { unreadable: e }));
  if (typeof local === "object") {
    const code = (local.unreadable as { code?: string }).code ?? "error";
    return { ok: false, reason: `the saved plan file on this replica cannot be read (${code})` };
  }
  if (local !== undefined) {
    if (local === plan.planHash) return { ok: true, planFile: plan.planPath };
    return { ok: false, reason: "the saved plan file changed since it was made (its sha256 is not the one recorded)" };
  }
  const stored = await store.planFile(plan.id);
  if (!stored?.bytes) return { ok: false, reason: notHereReason(stored) };
  // The recorded sha256 sits in the same database: only the signature says a Sluice replica made this plan.
  if (!(await signedByUs(store, plan, stored.mac, key))) {
    return {
      ok: false,
      reason:
        "the store's copy of the saved plan does not carry this Sluice's signature (it was changed in the database, or saved by a server with another webhook secret)",
    };
  }
  await rm(copyDir, { recursive: true, force: true });
  // The original's name: runners and custom workflows may look for it ($PLANFILE keeps its extension).
  const planFile = join(copyDir, basename(plan.planPath) || "plan");
  let copied: string;
  try {
    await mkdir(copyDir, { recursive: true, mode: 0o700 });
    await writeFile(planFile, stored.bytes, { mode: 0o400, flag: "wx" });
    copied = await hashFile(planFile);
  } catch (e) {
    // A full disk must not leave part of the plan (sensitive values) behind in the data dir.
    await rm(copyDir, { recursive: true, force: true });
    throw e;
  }
  if (copied !== plan.planHash) {
    return {
      ok: false,
      reason: "the store's copy of the saved plan changed since it was made (its sha256 is not the one recorded)",
      copyDir,
    };
  }
  return { ok: true, planFile, copyDir };
}

/**
 * The plan was signed with the name its repository had then: a rename moves the row (the store has
 * no key to sign it again), so a signature made under a name the repository was moved away from is
 * as good, and a plan signed for any other repository's name is not: a repository that took the
 * former name since (another id) signs its own plans under it, which must not pass for this one's.
 */
async function signedByUs(
  store: Pick<Store, "formerNamesFreeOf">,
  plan: Pick<PlanRecord, "repo" | "pr" | "project" | "dir" | "workspace" | "planHash">,
  mac: string | undefined,
  key: Buffer,
): Promise<boolean> {
  if (planSignatureValid(key, plan, mac)) return true;
  for (const repo of await store.formerNamesFreeOf(plan.repo)) if (planSignatureValid(key, { ...plan, repo }, mac)) return true;
  return false;
}
