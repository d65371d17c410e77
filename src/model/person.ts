/**
 * A person a server setting names (`admins`, `apply_users`, `protect_owners`): a GitHub login,
 * or `login#id` naming the account itself. A login is a name its owner can give up and anyone can
 * take next; the account id never changes hands, so trust is granted to an account id only.
 */
export interface NamedPerson {
  /** The login as written, without a leading `@`. */
  login: string;
  /** Written in the setting (`alice#1234`): this account, whatever its login is now or was. */
  id?: number;
}

/** The account id a configured login named when Sluice first resolved it (kept in the store). */
export interface PersonPin {
  /** Lower-cased: GitHub logins ignore case. */
  login: string;
  id: number;
  /** When it was first resolved (ISO). */
  at: string;
}

/** Pins of configured logins: the first answer is kept, a later one never replaces it. */
export interface PersonPinStore {
  /** The pins of these logins (lower-cased keys); logins never resolved are absent. */
  personPins(logins: readonly string[]): Promise<Map<string, PersonPin>>;
  /** Pins `login` to `id` unless it is pinned already; returns the pin kept (the earlier one, if any). */
  pinPerson(login: string, id: number): Promise<PersonPin>;
}

/** Who did something, as GitHub sent it: the login of the moment, and the account id when known. */
export interface Actor {
  login: string;
  id?: number;
}

/** A pull request's author as an actor: the login GitHub shows now, the account id when the PR carried one. */
export function authorOf(pr: { author: string; authorId?: number }): Actor {
  return { login: pr.author, ...(pr.authorId !== undefined ? { id: pr.authorId } : {}) };
}

const WITH_ID = /^@?([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)#([1-9][0-9]{0,15})$/;

/** `alice`, `@alice` or `alice#1234`; entries with a `/` are teams (not people) and give undefined. */
export function personOf(entry: string): NamedPerson | undefined {
  if (entry.includes("/")) return undefined;
  const m = WITH_ID.exec(entry.trim());
  if (m) return { login: m[1] as string, id: Number(m[2]) };
  return { login: entry.trim().replace(/^@/, "") };
}
