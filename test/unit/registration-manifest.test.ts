import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { createSetupHandler, saveEnvFile, type SetupOptions } from "../../src/app/manifest-setup.js";
import { hookTarget } from "../../src/app/registration-manifest.js";
import { readEnvConfig } from "../../src/config/env-config.js";

const APP_YML = await readFile(join(import.meta.dirname, "../../app.yml"), "utf8");
const appYml = parse(APP_YML) as { default_events: string[]; default_permissions: Record<string, string>; name: string };

const TOKEN = "0123456789abcdef0123456789abcdef";
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(opts: Partial<SetupOptions> & { env: NodeJS.ProcessEnv }): Promise<string> {
  const handler = createSetupHandler({
    appYml: APP_YML,
    convert: async () => {
      throw new Error("not called");
    },
    saveEnv: () => undefined,
    log: () => undefined,
    token: TOKEN,
    ...opts,
  });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the registration manifest Sluice serves", () => {
  it("sends webhooks to <SLUICE_PUBLIC_URL>/api/github/webhooks with app.yml's events and permissions", async () => {
    const base = await serve({ env: { SLUICE_PUBLIC_URL: "https://sluice.example.com" } });
    const manifest = (await (await fetch(`${base}/manifest.json`)).json()) as Record<string, unknown>;
    expect(manifest.hook_attributes).toEqual({ url: "https://sluice.example.com/api/github/webhooks", active: true });
    expect(manifest.default_events).toEqual([
      "pull_request",
      "issue_comment",
      "pull_request_review",
      "check_run",
      "check_suite",
      "merge_group",
      "push",
      "issues",
      "repository",
    ]);
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.redirect_url).toBe(`${base}/setup/callback`);
    expect(manifest.name).toBe("Sluice");
    expect(manifest.public).toBe(false);
  });

  it("asks for the least: contents read only (write only for automerge, documented in app.yml)", () => {
    expect(appYml.default_permissions).toEqual({
      contents: "read",
      pull_requests: "read",
      issues: "write",
      checks: "write",
      deployments: "write",
      metadata: "read",
      merge_queues: "read",
      members: "read",
      statuses: "read",
    });
    // Every permission has its reason written above it.
    for (const key of Object.keys(appYml.default_permissions)) {
      const at = APP_YML.indexOf(`  ${key}:`);
      expect(APP_YML.slice(0, at).trimEnd().split("\n").at(-1)?.trim().startsWith("#"), key).toBe(true);
    }
  });

  it("the page posts the same manifest to GitHub and names the webhook address", async () => {
    const base = await serve({ env: { SLUICE_PUBLIC_URL: "https://sluice.example.com/", GHE_HOST: "ghe.example.com", GH_ORG: "acme" } });
    const html = await (await fetch(`${base}/?token=${TOKEN}`)).text();
    expect(html).toContain(`action="https://ghe.example.com/organizations/acme/settings/apps/new?state=${TOKEN}"`);
    expect(html).toContain("<code>https://sluice.example.com/api/github/webhooks</code>");
    const value = /name="manifest" value="([^"]*)"/.exec(html)?.[1] ?? "";
    const manifest = JSON.parse(value.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))) as {
      hook_attributes: { url: string };
    };
    expect(manifest.hook_attributes.url).toBe("https://sluice.example.com/api/github/webhooks");
    expect(html).not.toContain("Warning");
  });

  it("with WEBHOOK_PROXY_URL, GitHub sends to the smee.io channel", async () => {
    const base = await serve({ env: { WEBHOOK_PROXY_URL: "https://smee.io/abc123", SLUICE_PUBLIC_URL: "https://sluice.example.com" } });
    const manifest = (await (await fetch(`${base}/manifest.json`)).json()) as { hook_attributes: { url: string } };
    expect(manifest.hook_attributes.url).toBe("https://smee.io/abc123");
  });

  it("with neither, the page's own address is used and the page warns that GitHub cannot reach it", async () => {
    const base = await serve({ env: {} });
    const manifest = (await (await fetch(`${base}/manifest.json`)).json()) as { hook_attributes: { url: string } };
    expect(manifest.hook_attributes.url).toBe(`${base}/api/github/webhooks`);
    const html = await (await fetch(`${base}/?token=${TOKEN}`)).text();
    expect(html).toContain("Warning");
    expect(html).toContain("SLUICE_PUBLIC_URL");
  });

  it.each([
    ["http://127.0.0.1:3000", true],
    ["http://localhost:3000", true],
    ["http://10.1.2.3", true],
    ["http://192.168.1.5:3000", true],
    ["http://[::1]:3000", true],
    ["http://sluice.internal", true],
    ["https://sluice.example.com", false],
    ["https://203.0.113.7", false],
  ])("hook target for the page at %s warns: %s", (base, warns) => {
    expect(hookTarget({}, base).warning !== undefined).toBe(warns);
  });

  it("saving credentials again replaces the old ones, a multi-line key included, and keeps the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-setup-"));
    try {
      const envFile = join(dir, ".env");
      await writeFile(envFile, 'A=1\nPRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\nold\n-----END RSA PRIVATE KEY-----"\nB=2\n');
      saveEnvFile(envFile, { PRIVATE_KEY: '"-----BEGIN RSA PRIVATE KEY-----\nnew\n-----END RSA PRIVATE KEY-----"', APP_ID: "9" });
      const { parseEnv } = await import("node:util");
      const parsed = (parseEnv as (s: string) => Record<string, string>)(await readFile(envFile, "utf8"));
      expect(parsed).toEqual({
        A: "1",
        B: "2",
        APP_ID: "9",
        PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nnew\n-----END RSA PRIVATE KEY-----",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("registers only for who holds the token the server logged: the page and GitHub's return need it (control: with it, the code is exchanged)", async () => {
    const codes: string[] = [];
    const convert = async (code: string) => {
      codes.push(code);
      return { id: 1, pem: "x", webhook_secret: "w", html_url: "https://github.com/apps/a" };
    };
    const base = await serve({ env: { SLUICE_PUBLIC_URL: "https://sluice.example.com" }, convert });
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/?token=${"f".repeat(32)}`)).status).toBe(403);
    // As many characters as the token, one past ASCII (longer in bytes): refused too, not a fault.
    const wide = encodeURIComponent(`é${"f".repeat(31)}`);
    expect((await fetch(`${base}/?token=${wide}`, { signal: AbortSignal.timeout(5000) })).status).toBe(403);
    expect((await fetch(`${base}/setup/callback?code=c&state=${wide}`, { signal: AbortSignal.timeout(5000) })).status).toBe(403);
    // An attacker's own app's code, brought to the callback by the attacker: no state, or a guess.
    for (const state of ["", `&state=${"f".repeat(32)}`]) {
      const r = await fetch(`${base}/setup/callback?code=attackers-code${state}`, { redirect: "manual" });
      expect(r.status).toBe(403);
    }
    expect(codes).toEqual([]);
    expect((await fetch(`${base}/setup/callback?code=operators-code&state=${TOKEN}`, { redirect: "manual" })).status).toBe(302);
    expect(codes).toEqual(["operators-code"]);
  });

  it("the callback exchanges the code and writes credentials that the next start reads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sluice-setup-"));
    try {
      const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
      const envFile = join(dir, ".env");
      await writeFile(envFile, "SLUICE_PUBLIC_URL=https://sluice.example.com\nWEBHOOK_SECRET=old\n");
      const codes: string[] = [];
      const base = await serve({
        env: {},
        convert: async (code) => {
          codes.push(code);
          return {
            id: 42,
            slug: "sluice-acme",
            pem,
            webhook_secret: "whsec",
            client_id: "Iv1.x",
            client_secret: "cs",
            html_url: "https://github.com/apps/sluice-acme",
          };
        },
        saveEnv: (vars) => saveEnvFile(envFile, vars),
      });
      const r = await fetch(`${base}/setup/callback?code=abc-123&state=${TOKEN}`, { redirect: "manual" });
      expect(r.status).toBe(302);
      expect(r.headers.get("location")).toBe("https://github.com/apps/sluice-acme/installations/new");
      expect(codes).toEqual(["abc-123"]);
      const env: NodeJS.ProcessEnv = {};
      const text = await readFile(envFile, "utf8");
      expect(text.match(/WEBHOOK_SECRET=/g)).toHaveLength(1);
      // Parsed the way main.ts reads it (process.loadEnvFile's format), then checked as at start.
      const { parseEnv } = await import("node:util");
      Object.assign(env, (parseEnv as (s: string) => Record<string, string>)(text));
      expect(env.SLUICE_PUBLIC_URL).toBe("https://sluice.example.com");
      const config = readEnvConfig(env, () => "");
      expect(config.appId).toBe("42");
      expect(config.webhookSecret).toBe("whsec");
      expect(config.privateKey.trim()).toBe(pem.trim());
      // One registration per process: another code (another app's) is refused afterwards.
      expect((await fetch(`${base}/setup/callback?code=someone-elses&state=${TOKEN}`, { redirect: "manual" })).status).toBe(410);
      expect(codes).toEqual(["abc-123"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
