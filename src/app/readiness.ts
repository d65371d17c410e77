import { errorMessage } from "../util/errors.js";
/**
 * What `/readyz` asks before it says yes. Each part of the app that can be broken while the
 * process still runs (store, GitHub credentials, sandbox, tools) adds one named check.
 */
export type ReadinessResult = { ok: true; detail?: string } | { ok: false; reason: string };

export interface ReadinessCheck {
  name: string;
  check(): Promise<ReadinessResult>;
}

export interface ReadinessReport {
  ok: boolean;
  checks: ({ name: string } & ReadinessResult)[];
}

/** Runs every check; a check that throws counts as failed with its message. */
export async function readiness(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, ...(await c.check()) };
      } catch (e) {
        return { name: c.name, ok: false as const, reason: errorMessage(e) };
      }
    }),
  );
  return { ok: results.every((r) => r.ok), checks: results };
}
