import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProbotOctokit } from "probot";
import { SmeeClient } from "smee-client";
import { apiBaseUrl } from "../config/env-config.js";
import { hookTarget, registrationManifest } from "./registration-manifest.js";
import { errorMessage } from "../util/errors.js";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface SetupOptions {
  env: NodeJS.ProcessEnv;
  appYml: string;
  /** Exchanges the code GitHub returns for the app's credentials (POST /app-manifests/{code}/conversions). */
  convert: (code: string) => Promise<Record<string, unknown>>;
  /** Writes the new variables to `.env`. */
  saveEnv: (vars: Record<string, string>) => void;
  log: (line: string) => void;
  /**
   * Printed only in the server's log (the address to open carries it): the page needs it, and
   * GitHub must bring it back as the flow's `state`. Whoever else reaches this port registers nothing.
   */
  token: string;
}

/** Compared as bytes: a string of as many characters, one past ASCII, is longer in bytes, and timingSafeEqual throws on two lengths. */
const sameToken = (given: string | null, token: string) => {
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(token);
  return given !== null && a.length === b.length && timingSafeEqual(a, b);
};

function setupBaseUrl(req: IncomingMessage): string {
  const proto = String(req.headers["x-forwarded-proto"] ?? "http").split(",")[0];
  return `${proto}://${req.headers["x-forwarded-host"] ?? req.headers.host ?? "127.0.0.1"}`;
}

function githubWebUrl(env: NodeJS.ProcessEnv): string {
  const web = env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}` : "https://github.com";
  return env.GH_ORG ? `${web}/organizations/${encodeURIComponent(env.GH_ORG)}/settings/apps/new` : `${web}/settings/apps/new`;
}

/**
 * The registration flow for a first start without credentials: `/` shows where webhooks will go
 * and a button that posts the manifest to GitHub; GitHub returns to `/setup/callback` with a code
 * that is exchanged for APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, written to `.env`.
 */
export function createSetupHandler(opts: SetupOptions) {
  // One registration per process: a second code (another app's) never replaces the first's credentials.
  let registration: "open" | "converting" | "done" = "open";
  const text = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { "content-type": "text/plain" }).end(body);
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://setup");
    const base = setupBaseUrl(req);
    const hook = hookTarget(opts.env, base);
    const manifest = registrationManifest(opts.appYml, hook, base);
    if (req.method === "GET" && url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, setup: true }));
      return;
    }
    if (req.method === "GET" && url.pathname === "/manifest.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(manifest, null, 2));
      return;
    }
    if (req.method === "GET" && url.pathname === "/") {
      if (!sameToken(url.searchParams.get("token"), opts.token)) {
        return text(res, 403, "Open the address this server printed in its log: it carries the one-time token that lets you register.");
      }
      const warning = hook.warning ? `<p><strong>Warning:</strong> ${escapeHtml(hook.warning)}</p>` : "";
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html>
<html><head><meta charset="utf-8"><title>Register Sluice</title></head>
<body>
<h1>Register Sluice as a GitHub App</h1>
<p>GitHub will send webhooks to <code>${escapeHtml(hook.url)}</code>.</p>
${warning}
<form action="${escapeHtml(`${githubWebUrl(opts.env)}?state=${encodeURIComponent(opts.token)}`)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">
<button type="submit">Register the GitHub App</button>
</form>
<p>The permissions and events come from <code>app.yml</code>; <a href="/manifest.json">the manifest</a>.</p>
</body></html>`);
      return;
    }
    if (req.method === "GET" && url.pathname === "/setup/callback") {
      if (registration !== "open") {
        return text(res, 410, "This server has registered its GitHub App already (or is doing so): restart it to start over.");
      }
      if (!sameToken(url.searchParams.get("state"), opts.token)) {
        return text(
          res,
          403,
          "This registration did not start from this server's page (its state is missing or wrong): nothing was saved.",
        );
      }
      const code = url.searchParams.get("code");
      if (!code || !/^[\w-]{1,200}$/.test(code)) return text(res, 400, "code missing or invalid");
      registration = "converting";
      let app: Record<string, unknown>;
      try {
        app = await opts.convert(code);
      } catch (e) {
        registration = "open";
        throw e;
      }
      const vars: Record<string, string> = {
        APP_ID: String(app.id),
        PRIVATE_KEY: `"${String(app.pem).trim()}"`,
        WEBHOOK_SECRET: String(app.webhook_secret),
      };
      if (app.client_id) vars.GITHUB_CLIENT_ID = String(app.client_id);
      if (app.client_secret) vars.GITHUB_CLIENT_SECRET = String(app.client_secret);
      opts.saveEnv(vars);
      registration = "done";
      opts.log(
        `sluice: registered GitHub App ${String(app.slug ?? app.id)}; credentials written to .env. Stop this process and run \`npm start\` again.`,
      );
      res.writeHead(302, { location: `${String(app.html_url)}/installations/new` }).end();
      return;
    }
    text(res, 404, "not found");
  };
}

/** Appends or replaces variables in `.env` (the PEM stays a quoted multi-line value, as Probot writes it). */
export function saveEnvFile(file: string, vars: Record<string, string>): void {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    // A replaced quoted value may span lines: drop until its closing quote.
    if (skipping) {
      if (line.trimEnd().endsWith('"')) skipping = false;
      continue;
    }
    const name = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
    if (name && name in vars) {
      const value = line.slice(name.length + 1);
      skipping = value.startsWith('"') && !(value.length > 1 && value.trimEnd().endsWith('"'));
      continue;
    }
    kept.push(line);
  }
  while (kept.length && kept[kept.length - 1] === "") kept.pop();
  const added = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  writeFileSync(file, `${[...kept, ...added].join("\n")}\n`, { mode: 0o600 });
}

/** app.yml in the working directory (as Probot reads it), else the one shipped beside Sluice's package.json. */
function findAppYml(): string {
  const inCwd = join(process.cwd(), "app.yml");
  if (existsSync(inCwd)) return inCwd;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "app.yml"))) return join(dir, "app.yml");
    if (dirname(dir) === dir) return inCwd;
  }
}

/**
 * With no credentials yet: serve the registration flow on PORT. Without SLUICE_PUBLIC_URL or
 * WEBHOOK_PROXY_URL outside production, a smee.io channel is created first (as Probot does), so a
 * laptop receives webhooks; it is written to `.env` as WEBHOOK_PROXY_URL.
 */
export async function startManifestSetup(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const envFile = join(process.cwd(), ".env");
  if (!env.SLUICE_PUBLIC_URL && !env.WEBHOOK_PROXY_URL && env.NO_SMEE_SETUP !== "true") {
    const channel = await Promise.race([
      SmeeClient.createChannel().catch(() => undefined),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000).unref()),
    ]);
    if (channel) {
      env.WEBHOOK_PROXY_URL = channel;
      saveEnvFile(envFile, { WEBHOOK_PROXY_URL: channel });
      log(`sluice: webhooks will be relayed through the smee.io channel ${channel} (WEBHOOK_PROXY_URL, written to .env)`);
    } else {
      log(
        "sluice: smee.io could not be reached; set SLUICE_PUBLIC_URL (a public address of this server) or WEBHOOK_PROXY_URL before registering",
      );
    }
  }
  const appYml = readFileSync(findAppYml(), "utf8");
  const token = randomBytes(16).toString("hex");
  const octokit = new ProbotOctokit({ baseUrl: apiBaseUrl(env) ?? "https://api.github.com" });
  const handler = createSetupHandler({
    env,
    appYml,
    convert: async (code) => (await octokit.request("POST /app-manifests/{code}/conversions", { code })).data as Record<string, unknown>,
    saveEnv: (vars) => saveEnvFile(envFile, vars),
    log,
    token,
  });
  const server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      log(`sluice: registration failed: ${errorMessage(e)}`);
      if (!res.headersSent)
        res.writeHead(502, { "content-type": "text/plain" }).end("GitHub did not accept the registration; see the server log");
    });
  });
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST || "0.0.0.0";
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  log(
    `sluice: no APP_ID / PRIVATE_KEY / WEBHOOK_SECRET yet. Open http://${shown}:${port}/?token=${token} to register the GitHub App from app.yml (the token is this process's: only who reads this log may register).`,
  );
}
