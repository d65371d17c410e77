import { type Actor, type NamedPerson, type PersonPin, type PersonPinStore, personOf } from "../model/person.js";
import { errorMessage } from "../util/errors.js";
import { namesOneLogin } from "./is-agent.js";

export interface PeopleDeps {
  store: PersonPinStore;
  /** The id of the account that has a login now; undefined: none has it. Throws when GitHub cannot say. */
  userId(login: string): Promise<number | undefined>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Whether GitHub may be asked about this unpinned login now (false: it grants nothing, unasked). */
  mayAsk?(login: string): boolean;
}

/**
 * Once per `everyMs` per login: a login no account has (or GitHub down) is not asked about on
 * every comment anyone writes, nor every console page (each asked the installation's rate limit).
 */
export function lookupThrottle(everyMs = 60_000, now: () => number = Date.now): (login: string) => boolean {
  const asked = new Map<string, number>();
  return (login) => {
    const at = asked.get(login);
    if (at !== undefined && now() - at < everyMs) return false;
    asked.set(login, now());
    return true;
  };
}

// The jobs' throttles, one per store (a process has one): keyed by the server config's logins only.
const jobLookups = new WeakMap<PersonPinStore, (login: string) => boolean>();
const jobLookupsOf = (store: PersonPinStore) => {
  // A caller without a store (a test's) pins nothing either: a throttle of its own.
  if (typeof store !== "object" || store === null) return lookupThrottle();
  const known = jobLookups.get(store);
  if (known) return known;
  const made = lookupThrottle();
  jobLookups.set(store, made);
  return made;
};

/**
 * Whether `actor` is one of the people a server setting names, by account id only: a login names
 * the account it named when Sluice first resolved it (pinned in the store), so an admin who renames
 * stays one under the new login, and whoever registers the freed login next is not. An actor whose
 * id is not known (a job queued by an older version) is no one's; so is every login GitHub could
 * not resolve yet (asked again at the next use).
 */
export async function namesAccount(deps: PeopleDeps, entries: readonly string[], actor: Actor): Promise<boolean> {
  const people = entries.map(personOf).filter((p): p is NamedPerson => p !== undefined);
  if (people.length === 0 || actor.id === undefined) return false;
  if (people.some((p) => p.id === actor.id)) return true;
  const logins = [...new Set(people.filter((p) => p.id === undefined).map((p) => p.login.toLowerCase()))];
  if (logins.length === 0) return false;
  const pins = await pinnedAccounts(deps, logins);
  if (logins.some((l) => pins.get(l)?.id === actor.id)) return true;
  const pin = pins.get(actor.login.toLowerCase());
  if (pin)
    deps.log.error(
      { login: actor.login, accountId: actor.id, pinnedId: pin.id, pinnedAt: pin.at },
      `the login ${actor.login} is now account ${actor.id}, not account ${pin.id} that the server config's login named when Sluice resolved it (${pin.at}): it grants this account nothing. The account it named keeps its rights under its new login; to trust account ${actor.id} instead, write it as ${actor.login}#${actor.id}`,
    );
  return false;
}

/**
 * The pins of these logins, resolving (and pinning) those never resolved: the first answer is kept
 * for good. A login no account has, or that GitHub could not resolve now, has no pin: it grants
 * nothing, and is asked about again next time.
 */
export async function pinnedAccounts(deps: PeopleDeps, logins: readonly string[]): Promise<Map<string, PersonPin>> {
  const pins = await deps.store.personPins(logins);
  for (const login of logins) {
    if (pins.has(login) || (deps.mayAsk && !deps.mayAsk(login))) continue;
    try {
      const id = await deps.userId(login);
      if (id === undefined) {
        deps.log.warn({ login }, `the server config names ${login}, but no GitHub account has that login: it grants nothing`);
        continue;
      }
      pins.set(login, await deps.store.pinPerson(login, id));
    } catch (e) {
      deps.log.error(
        { login, err: errorMessage(e) },
        `could not resolve the server config's login ${login} to its GitHub account: it grants nothing until it is resolved (asked again at its next use)`,
      );
    }
  }
  return pins;
}

/** A job's way to people: its store's pins, its installation's GitHub, its log. */
export function jobPeople(
  deps: { store: PersonPinStore; log: PeopleDeps["log"] },
  vcs: { userId(login: string): Promise<number | undefined> },
  mayAsk: (login: string) => boolean = jobLookupsOf(deps.store),
): PeopleDeps {
  return { store: deps.store, userId: (login) => vcs.userId(login), log: deps.log, mayAsk };
}

/**
 * The server's `agents` with each literal login's account added as `login#id` (its pin), for
 * isAgent: an agent that renames is still one. A login not pinned yet (GitHub could not say) is
 * matched by name only, as before.
 */
export async function agentsByAccount(people: PeopleDeps, agents: readonly string[]): Promise<string[]> {
  const logins = [...new Set(agents.filter(namesOneLogin).map((a) => a.trim().replace(/^@/, "").toLowerCase()))];
  if (logins.length === 0) return [...agents];
  const pins = await pinnedAccounts(people, logins);
  return [...agents, ...[...pins.values()].map((p) => `${p.login}#${p.id}`)];
}
