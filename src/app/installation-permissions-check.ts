import { describeMissing, type MissingPermission, missingPermissions } from "./github-permissions.js";
import type { ReadinessCheck } from "./readiness.js";
import { errorMessage } from "../util/errors.js";
import { oneAtATime } from "../util/one-at-a-time.js";

export interface InstallationGrant {
  id: number;
  account: string;
  permissions: Readonly<Record<string, string | undefined>>;
}

export interface InstallationShortfall {
  installation: InstallationGrant;
  missing: MissingPermission[];
}

type State =
  | { state: "checking" }
  | { state: "read"; shortfalls: InstallationShortfall[]; at: number }
  | { state: "failed"; reason: string; at: number };

/** Pure: the /readyz answer for what the installations granted. */
export function permissionsReadiness(shortfalls: readonly InstallationShortfall[]) {
  if (shortfalls.length === 0) return { ok: true as const };
  const text = shortfalls
    .map((s) => `installation ${s.installation.id} (${s.installation.account}) lacks ${describeMissing(s.missing)}`)
    .join(" | ");
  const essential = shortfalls.some((s) => s.missing.some((m) => m.essential));
  return essential ? { ok: false as const, reason: text } : { ok: true as const, detail: text };
}

/**
 * At start, the permissions each installation actually granted (GET /app/installations): an App
 * registered from an older app.yml keeps its old permissions, and each installation keeps them
 * until its owner accepts the new ones. Every shortfall is logged with what stops working, and
 * `/readyz` names it: failing when Sluice cannot work at all (no comments, no checks, no clone),
 * ready with a detail when one feature is lost (deployments, teams, merge queue). `/readyz` asks
 * again at most once a minute while something is missing, so an accepted permission shows.
 */
export function createInstallationPermissionsCheck(opts: {
  listInstallations: () => Promise<InstallationGrant[]>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  recheckAfterMs?: number;
  now?: () => number;
}) {
  const now = opts.now ?? Date.now;
  const recheckAfter = opts.recheckAfterMs ?? 60_000;
  let current: State = { state: "checking" };
  const run = oneAtATime(() =>
    opts
      .listInstallations()
      .then(
        (installations): State => {
          const shortfalls = installations
            .map((installation) => ({ installation, missing: missingPermissions(installation.permissions) }))
            .filter((s) => s.missing.length > 0);
          for (const s of shortfalls) {
            opts.log.warn(
              { installation: s.installation.id, account: s.installation.account, missing: s.missing.map((m) => `${m.name}: ${m.access}`) },
              `installation ${s.installation.id} (${s.installation.account}) has not granted what Sluice needs: ${describeMissing(s.missing)}. Its owner accepts the app's new permissions in the installation's settings (Configure → review request); if the app itself lacks them, add them in the app's settings (Permissions) first`,
            );
          }
          if (shortfalls.length === 0)
            opts.log.info({ installations: installations.length }, "every installation granted the permissions Sluice needs");
          return { state: "read", shortfalls, at: now() };
        },
        (e: unknown): State => {
          const reason = errorMessage(e);
          opts.log.warn({ err: reason }, `could not read the installations' permissions: ${reason}`);
          return { state: "failed", reason, at: now() };
        },
      )
      .then((s) => {
        current = s;
        return s;
      }),
  );

  const readiness: ReadinessCheck = {
    name: "github_permissions",
    async check() {
      const stale = current.state !== "checking" && now() - current.at >= recheckAfter;
      if (stale && (current.state === "failed" || (current.state === "read" && current.shortfalls.length > 0))) await run();
      const s = current;
      if (s.state === "checking") return { ok: true, detail: "checking" };
      // Unreadable is not a shortfall: the github check already says when the credentials fail.
      if (s.state === "failed") return { ok: true, detail: `not read: ${s.reason}` };
      return permissionsReadiness(s.shortfalls);
    },
  };

  return { start: run, readiness, state: () => current };
}
