import { expect } from "vitest";

/**
 * Signs in to the console at `base` as `login` through the simulator's OAuth pages, with plain
 * HTTP (no browser); returns the session cookie.
 */
export async function signIn(base: string, login: string): Promise<string> {
  const start = await fetch(`${base}/login`, { redirect: "manual" });
  const pending = (start.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const authorize = new URL(start.headers.get("location") as string);
  authorize.searchParams.set("login", login);
  const back = await fetch(authorize, { redirect: "manual" });
  const done = await fetch(back.headers.get("location") as string, { redirect: "manual", headers: { cookie: pending } });
  expect(done.status).toBe(302);
  return (done.headers.get("set-cookie") ?? "").split(";")[0] as string;
}
