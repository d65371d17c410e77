import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/server-config.js";
import { type GitHubConsole, startGitHubConsole } from "../support/github-console.js";
import { signIn } from "../support/console-sign-in.js";
import { testDir } from "../support/temp-dir.js";

/**
 * `admins` names GitHub logins, and a login is a name its owner can give up: trust goes to the
 * account the login named when Sluice resolved it, never to whoever registers the login next.
 */
const dataDir = testDir("sluice-admin-renamed-");
const errors: string[] = [];
let app: GitHubConsole;
// The server's own logger: its methods are called on it (pino's need their `this`).
const log = pino({ level: "error" }, { write: (line: string) => void errors.push(JSON.parse(line).msg) });

beforeAll(async () => {
  app = await startGitHubConsole(dataDir, ["infra"], {
    config: parseServerConfig("admins: [root]\n", "test"),
    log,
  });
  app.sim.setPermission("acme/infra", "root", "write");
});

afterAll(async () => {
  await app?.stop();
});

const tokensPage = async (cookie: string) => (await fetch(`${app.base}/tokens`, { headers: { cookie } })).status;

describe("console admins are accounts, not logins", () => {
  it("attack: an admin renames, another account registers the freed login and signs in: not an admin; the admin under the new login is", async () => {
    // Control first: the admin as configured (this resolves and pins the login to their account).
    const before = await signIn(app.base, "root");
    expect(await tokensPage(before)).toBe(200);

    app.sim.renameUser("root", "root-renamed");
    // Someone else registers the login the admin gave up, and signs in with it.
    const squatter = await signIn(app.base, "root");
    expect(await tokensPage(squatter)).toBe(403);
    // Not an admin, but a user of the console all the same: their own pages answer.
    expect((await fetch(`${app.base}/`, { headers: { cookie: squatter } })).status).toBe(200);
    expect(errors.some((m) => m.includes("the login root is now account"))).toBe(true);

    // The admin's account, under its new login, is the admin still.
    const renamed = await signIn(app.base, "root-renamed");
    expect(await tokensPage(renamed)).toBe(200);
    // The admin's session from before the rename is the same account's: still the admin.
    expect(await tokensPage(before)).toBe(200);
  });
});
