import type { PeopleDeps } from "../../src/policy/named-people.js";
import type { PersonPin, PersonPinStore } from "../../src/model/person.js";
import { fakeUserId } from "./fake-vcs.js";

/** Pins kept in memory, as the store keeps them: the first answer for a login stays. */
export function memoryPins(): PersonPinStore & { pins: Map<string, PersonPin> } {
  const pins = new Map<string, PersonPin>();
  return {
    pins,
    async personPins(logins) {
      return new Map(logins.flatMap((l) => (pins.has(l.toLowerCase()) ? [[l.toLowerCase(), pins.get(l.toLowerCase()) as PersonPin]] : [])));
    },
    async pinPerson(login, id) {
      const key = login.toLowerCase();
      if (!pins.has(key)) pins.set(key, { login: key, id, at: new Date().toISOString() });
      return pins.get(key) as PersonPin;
    },
  };
}

/**
 * People as GitHub would answer them: each login its own account (`fakeUserId`) unless `accounts`
 * says otherwise (a login renamed away: undefined; taken by another: that one's id). Logs kept.
 */
export function fakePeople(accounts: Map<string, number | undefined> = new Map()): PeopleDeps & { logged: string[] } {
  const logged: string[] = [];
  return {
    store: memoryPins(),
    userId: async (login) => (accounts.has(login.toLowerCase()) ? accounts.get(login.toLowerCase()) : fakeUserId(login)),
    log: { warn: (_o, m) => void logged.push(m), error: (_o, m) => void logged.push(m) },
    logged,
  };
}
