import { pinnedAccounts, type PeopleDeps } from "../policy/named-people.js";
import type { ServerConfig } from "../config/server-config.js";
import { type NamedPerson, personOf } from "../model/person.js";
import { checkWrittenAccounts, type LoginOf } from "./check-written-accounts.js";
import { errorMessage } from "../util/errors.js";

const ACTIONS = ["plan", "apply", "unlock", "state", "destroy", "approve_policies"] as const;

/**
 * The logins (lower-cased) that server settings naming people name without an account id, `repos:`
 * entries included: `admins`, `apply_users`, `protect_owners`, `permissions` rules' users,
 * `policies` owners' users, and `agents` given as one login (patterns and Apps stay by name).
 */
export function configuredLogins(config: ServerConfig): string[] {
  const logins = namedPeople(config).flatMap((p) => (p.id === undefined ? [p.login.toLowerCase()] : []));
  return [...new Set(logins)];
}

/** The `login#account-id` entries of the same settings, each once: checked with GitHub at start. */
export function configuredAccounts(config: ServerConfig): Required<NamedPerson>[] {
  const found = new Map<string, Required<NamedPerson>>();
  for (const p of namedPeople(config)) if (p.id !== undefined) found.set(`${p.login.toLowerCase()}#${p.id}`, { login: p.login, id: p.id });
  return [...found.values()];
}

function namedPeople(config: ServerConfig): NamedPerson[] {
  const settings = [config, ...config.repoRules.map((r) => r.settings as Partial<ServerConfig>)];
  const entries = settings.flatMap((c) => [
    ...(c.admins ?? []),
    ...(c.apply_users ?? []),
    ...(c.protect_owners ?? []),
    ...(c.permissions ?? []).flatMap((r) => ACTIONS.flatMap((a) => r[a] ?? [])),
    ...(c.policies ? [...c.policies.owners.users, ...c.policies.policy_sets.flatMap((s) => s.owners?.users ?? [])] : []),
    // Patterns and Apps are matched by name: only one login (or login#id) names an account.
    ...(c.agents ?? []).filter((a) => !a.includes("*") && !/\[bot\]$/i.test(a)),
  ]);
  // A console principal (`sso:corp:carol`) in a permissions rule is no GitHub login.
  return entries
    .filter((e) => !e.includes(":"))
    .map(personOf)
    .filter((p): p is NamedPerson => p !== undefined);
}

/**
 * At start, and again every `retryMs` until each is resolved: each login the server config names
 * is pinned to the account that has it (the first answer stays for good), and the operator is told
 * of every login that now names another account than its pin, or none. Comparisons never wait for
 * this: a login not pinned yet is resolved at its first use, and grants nothing while GitHub cannot
 * say. Each `login#account-id` written is checked with GitHub too (checkWrittenAccounts). Returns
 * the stop.
 */
export function startPeopleResolution(
  deps: PeopleDeps & {
    logins: readonly string[];
    retryMs: number;
    accounts?: readonly Required<NamedPerson>[];
    loginOf?: LoginOf;
  },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let unchecked = deps.loginOf ? [...(deps.accounts ?? [])] : [];
  const round = async () => {
    if (deps.loginOf && unchecked.length) unchecked = await checkWrittenAccounts({ log: deps.log, loginOf: deps.loginOf }, unchecked);
    const pins = await pinnedAccounts(deps, deps.logins);
    for (const [login, pin] of pins) {
      const now = await deps.userId(login).catch((e: unknown) => {
        deps.log.warn({ login, err: errorMessage(e) }, `could not ask GitHub who has the login ${login} now`);
        return pin.id;
      });
      if (now === undefined)
        deps.log.warn(
          { login, pinnedId: pin.id },
          `the server config names ${login}, and no GitHub account has that login now (renamed?): its account ${pin.id} keeps what the setting grants; write its new login, or ${login}#${pin.id}`,
        );
      else if (now !== pin.id)
        deps.log.error(
          { login, pinnedId: pin.id, accountId: now },
          `the server config's login ${login} now belongs to GitHub account ${now}, not account ${pin.id} it named when Sluice resolved it (${pin.at}): account ${now} gets nothing from it; account ${pin.id} keeps it under its new login. Write the login as ${login}#${now} to trust the new account, or name the old one's new login`,
        );
    }
    const missing = deps.logins.filter((l) => !pins.has(l));
    if ((missing.length > 0 || unchecked.length > 0) && !stopped)
      timer = setTimeout(() => void round().catch(failed), deps.retryMs).unref();
  };
  const failed = (e: unknown) => deps.log.error({ err: errorMessage(e) }, "could not resolve the server config's logins");
  if (deps.logins.length > 0 || unchecked.length > 0) void round().catch(failed);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
