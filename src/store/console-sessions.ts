import type { ConsoleStore } from "./console-store.js";
import { type StoreDriver, now } from "./store-driver.js";

export type ConsoleSessions = Pick<ConsoleStore, "openConsoleSession" | "consoleSessionLogin" | "endConsoleSession">;

/** Console sign-in sessions, shared by every replica; an expired one is no one's. */
export function consoleSessions({ db }: StoreDriver): ConsoleSessions {
  return {
    async openConsoleSession({ key, login, expiresAt }) {
      await db.run("DELETE FROM console_sessions WHERE expires_at < ?", [now()]);
      await db.run("INSERT INTO console_sessions (key, login, expires_at) VALUES (?, ?, ?)", [key, login, expiresAt]);
    },
    async consoleSessionLogin(key) {
      const row = await db.get<{ login: string }>("SELECT login FROM console_sessions WHERE key = ? AND expires_at > ?", [key, now()]);
      return row?.login;
    },
    async endConsoleSession(key) {
      await db.run("DELETE FROM console_sessions WHERE key = ?", [key]);
    },
  };
}
