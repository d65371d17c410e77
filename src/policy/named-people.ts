import { type Actor, type NamedPerson, type PersonPin, type PersonPinStore, personOf } from "../model/person.js";
import { errorMessage } from "../util/errors.js";

export interface PeopleDeps {
  store: PersonPinStore;
  /** The id of the account that has a login now; undefined: none has it. Throws when GitHub cannot say. */
  userId(login: string): Promise<number | undefined>;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

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
    if (pins.has(login)) continue;
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
): PeopleDeps {
  return { store: deps.store, userId: (login) => vcs.userId(login), log: deps.log };
}
