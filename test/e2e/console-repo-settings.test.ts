import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorAppEnv } from "../simulator/app-env.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { type AppProcess, freePort, removeDir, startApp } from "../support/start-app.js";
import { signIn } from "../support/console-sign-in.js";

// The console's repo settings page: what `sluice config explain` prints, for a repo the viewer can read.
let sim: Simulator;
let app: AppProcess;

beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "s" });
  const port = await freePort();
  app = await startApp({
    port,
    serverConfig: [
      "apply_requirements: [approved]",
      "repos:",
      '  - "acme/*"',
      '  - { id: "/^acme/sandbox-/", apply_requirements: [] }',
      "apply_windows:",
      '  - { match: "acme/sandbox-*:prod*", allow: "0 9 * * 1-5", duration: 8h, timezone: Europe/Berlin }',
      "freezes:",
      '  - { match: "acme/*", from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", reason: "a long freeze" }',
      "permissions:",
      '  - { match: "acme/sandbox-1:prod", apply: [carol, acme/sre] }',
      '  - { match: "acme/secret", apply: [mallory] }',
      "",
    ].join("\n"),
    env: {
      ...simulatorAppEnv(sim, "s"),
      GITHUB_CLIENT_ID: sim.oauthClientId,
      GITHUB_CLIENT_SECRET: sim.oauthClientSecret,
      SLUICE_SESSION_SECRET: "a-session-key-for-this-test-0123456789abcdef",
      SLUICE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
  });
  sim.addUser("alice");
  await sim.createRepo({ owner: "acme", name: "sandbox-1", files: { "README.md": "x" } });
  await sim.createRepo({ owner: "acme", name: "secret", files: { "README.md": "x" } });
  sim.setPermission("acme/sandbox-1", "alice", "read");
}, 120_000);
afterAll(async () => {
  await app?.kill("SIGTERM");
  await sim?.stop();
  if (app) await removeDir(app.dataDir);
});

describe("console: /settings?repo=OWNER/NAME", () => {
  it("shows each effective setting and its source to a reader of the repo, and nothing to others", async () => {
    const cookie = await signIn(app.url, "alice");
    const page = await fetch(`${app.url}/settings?repo=acme/sandbox-1`, { headers: { cookie } });
    const html = await page.text();
    expect(page.status, html).toBe(200);
    expect(html).toContain("Settings of acme/sandbox-1");
    expect(html).toMatch(
      /<code>apply_requirements<\/code><\/th>\s*<td><code>\[\]<\/code><\/td>\s*<td>repos\[1\] \(id: \/\^acme\/sandbox-\/\)/,
    );
    expect(html).toMatch(/<code>approvals<\/code><\/th>\s*<td><code>1<\/code><\/td>\s*<td>default/);
    const hidden = await fetch(`${app.url}/settings?repo=acme/secret`, { headers: { cookie } });
    expect(hidden.status).toBe(404);
    const hiddenText = await hidden.text();
    expect(hiddenText).not.toContain("apply_requirements");
    // It names nothing: the same page as for a repository that does not exist.
    expect(hiddenText).not.toContain("acme/secret");
    const missing = await (await fetch(`${app.url}/settings?repo=acme/no-such-repo`, { headers: { cookie } })).text();
    const noCsrf = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, "");
    expect(noCsrf(hiddenText)).toBe(noCsrf(missing));
  });
});

describe("console: an organization GitHub refuses to list the user's repositories of", () => {
  it("names it on the page, which still answers, and shows none of its repositories (control: listed again, shown)", async () => {
    const cookie = await signIn(app.url, "alice");
    // GitHub's answer where the organization enforces SAML single sign-on and the user's token has
    // no session with it (docs: "Resource protected by organization SAML enforcement").
    sim.failNext({
      method: "GET",
      pathPattern: /^\/user\/installations\/\d+\/repositories$/,
      status: 403,
      body: {
        message: "Resource protected by organization SAML enforcement. You must grant your OAuth token access to this organization.",
        documentation_url: "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/",
      },
    });
    const page = await fetch(`${app.url}/settings?repo=acme/sandbox-1`, { headers: { cookie } });
    const html = await page.text();
    expect(page.status).toBe(404);
    expect(html).toContain("GitHub did not list your repositories of these accounts");
    expect(html).toContain("acme: Resource protected by organization SAML enforcement");
    expect(html).not.toContain("apply_requirements");
    // The answer is not kept: the next page asks GitHub again, which lists the repository now.
    const again = await fetch(`${app.url}/settings?repo=acme/sandbox-1`, { headers: { cookie } });
    const shown = await again.text();
    expect(again.status).toBe(200);
    expect(shown).toContain("Settings of acme/sandbox-1");
    expect(shown).not.toContain("GitHub did not list");
  });

  it("shows the apply windows, freezes and permissions that can hold its projects, and none of another repository's", async () => {
    const cookie = await signIn(app.url, "alice");
    const html = await (await fetch(`${app.url}/settings?repo=acme/sandbox-1`, { headers: { cookie } })).text();
    const section = html.slice(html.indexOf('id="change-control-heading"'));
    expect(section).toMatch(
      /<code>acme\/sandbox-\*:prod\*<\/code><\/th>\s*<td>allow <code>0 9 \* \* 1-5<\/code> for 8h \(Europe\/Berlin\)/,
    );
    expect(section).toMatch(
      /<code>acme\/\*<\/code><\/th><td>2020-01-01 00:00 UTC<\/td><td>2100-01-01 00:00 UTC<\/td><td>a long freeze<\/td><td>on<\/td>/,
    );
    expect(section).toMatch(/<code>acme\/sandbox-1:prod<\/code><\/th><td><code>apply<\/code>: carol, acme\/sre<\/td>/);
    // Control: another repository's rule is not shown here.
    expect(section).not.toContain("mallory");
  });
});
