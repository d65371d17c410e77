import type { PersonPin, PersonPinStore } from "../model/person.js";
import { type Db, json } from "./db/db.js";
import { now } from "./store-driver.js";

// A flag per configured login: no table of its own for a handful of rows.
const PREFIX = "person:";

/** The pins of configured logins to account ids, written once for both databases. */
export function personPinMethods(db: Db): PersonPinStore {
  const read = async (login: string) => {
    const row = await db.get<{ value: string }>("SELECT value FROM flags WHERE name = ?", [PREFIX + login]);
    return row ? json<PersonPin>(row.value) : undefined;
  };
  return {
    async personPins(logins) {
      const wanted = new Set(logins.map((l) => l.toLowerCase()));
      const pins = new Map<string, PersonPin>();
      if (wanted.size === 0) return pins;
      const rows = await db.all<{ value: string }>("SELECT value FROM flags WHERE name LIKE 'person:%'");
      for (const row of rows) {
        const pin = json<PersonPin>(row.value);
        if (wanted.has(pin.login)) pins.set(pin.login, pin);
      }
      return pins;
    },
    async pinPerson(login, id) {
      const key = login.toLowerCase();
      const pin: PersonPin = { login: key, id, at: now() };
      // The first answer stays: a later one (the login taken by another account) never replaces it.
      await db.run("INSERT INTO flags (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", [PREFIX + key, pin]);
      return (await read(key)) ?? pin;
    },
  };
}
