import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/server-config.js";
import { type GitHubConsole, startGitHubConsole } from "../support/github-console.js";
import { signIn } from "../support/console-sign-in.js";
import { testDir } from "../support/temp-dir.js";

/**
 * The console's pages say what an action did from `?done=` (the redirect after a form). The
 * parameter is anyone's to write in a link: a name the object of messages inherits (`constructor`,
 * `__defineGetter__`) is no message, and Handlebars calls a function it is given.
 */
const dataDir = testDir("sluice-flash-");
const errors: string[] = [];
let app: GitHubConsole;
let cookie: string;

beforeAll(async () => {
  app = await startGitHubConsole(dataDir, ["infra"], {
    config: parseServerConfig("admins: [root]\n", "test"),
    log: { info: () => undefined, warn: () => undefined, error: (_o, m) => void errors.push(m) },
  });
  app.sim.setPermission("acme/infra", "root", "write");
  cookie = await signIn(app.base, "root");
});

afterAll(async () => {
  await app?.stop();
});

const flashOf = async (path: string) => {
  const r = await fetch(`${app.base}${path}`, { headers: { cookie } });
  const html = await r.text();
  return { status: r.status, flash: /class="banner flash"[^>]*>([^<]*)</.exec(html)?.[1] };
};

describe("?done= on the overview and the locks page", () => {
  it("attack: an inherited name is no message and no fault", async () => {
    for (const path of ["/?done=__defineGetter__", "/?done=constructor", "/locks?done=toString", "/locks?done=__proto__"])
      expect([path, await flashOf(path)]).toEqual([path, { status: 200, flash: undefined }]);
    expect(errors).toEqual([]);
  });

  it("shows the message of an action the console took (control)", async () => {
    expect(await flashOf("/locks?done=unlock")).toEqual({ status: 200, flash: expect.stringContaining("Unlock queued") });
    expect(await flashOf("/?done=pause")).toEqual({ status: 200, flash: expect.stringContaining("Applies are paused") });
  });
});
