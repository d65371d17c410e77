import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CredentialChoice,
  type CredentialPhase,
  credentialSetFor,
  type RunClaims,
  type RunCredentials,
} from "../model/credentials.js";
import type { OidcIssuer } from "./oidc-issuer.js";
import { describeSet } from "./describe-set.js";
import { oidcProviderSetup } from "./oidc-provider-setup.js";
import { credentialFileSecrets } from "./credential-file-secrets.js";
import { mountedFileTexts } from "./mounted-file-texts.js";

export interface CredentialRequest {
  choice: CredentialChoice;
  phase: CredentialPhase;
  /** The run's claims; `project` and `phase` are filled from the rule's choice and `phase`. */
  claims: Omit<RunClaims, "project" | "phase">;
  ttlMs: number;
  /** Absent: SLUICE_PUBLIC_URL is not set, so Sluice cannot be an issuer. */
  issuer?: OidcIssuer;
  /** Where runs' token dirs are made (in the data dir; never a dir any run mounts). */
  runRoot: string;
  sandboxOn: boolean;
  /** Every value and token goes to the job's redactor before a tool starts. */
  addSecrets(values: string[]): void;
  env?: NodeJS.ProcessEnv;
}

export type Prepared = { ok: true; creds: RunCredentials } | { ok: false; reason: string };

const NONE = async (): Promise<void> => undefined;

/** The credentials of one run (plan or apply), made just before its tools start; `dispose` when it ends. */
export async function prepareRunCredentials(req: CredentialRequest): Promise<Prepared> {
  const { choice, phase } = req;
  if (!choice.rule) return { ok: true, creds: { env: {}, mounts: [], identity: `none (${choice.why})`, dispose: NONE } };
  const set = credentialSetFor(choice.rule, phase);
  const label = `\`${choice.name}\` (${phase})`;
  if (!set) return { ok: true, creds: { env: {}, mounts: [], identity: `${label}: none for this phase`, dispose: NONE } };
  const fail = (what: string) => ({ ok: false as const, reason: `credentials ${label}: ${what}` });
  const serverEnv = req.env ?? process.env;

  const env: Record<string, string> = {};
  for (const [name, ref] of Object.entries(set.env)) {
    const value = readRef(ref, serverEnv);
    if (value === undefined) return fail(`${phase}.env.${name}: ${ref} is not set or not readable on this server`);
    env[name] = value;
  }
  for (const name of set.pass_env) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  const mounts: RunCredentials["mounts"] = [];
  const fileContents: string[] = [];
  for (const [target, source] of Object.entries(set.files)) {
    const st = statSync(source, { throwIfNoEntry: false });
    if (!st) return fail(`${phase}.files: ${source} does not exist on this server`);
    if (!req.sandboxOn && target !== source)
      return fail(`${phase}.files: ${target} can only be mounted by the sandbox, which is off on this server`);
    mounts.push({ source, target });
    // Each file whole, and each credential in it: a run can print one field alone.
    for (const text of mountedFileTexts(source, st)) fileContents.push(text.trim(), ...credentialFileSecrets(text));
  }
  req.addSecrets([...Object.values(env), ...fileContents].filter((v) => v.length >= 4));

  let dispose = NONE;
  if (set.oidc) {
    const oidc = set.oidc;
    if (!req.issuer) return fail("oidc needs SLUICE_PUBLIC_URL: it is the token's issuer, where providers fetch its keys");
    if (!req.sandboxOn && oidc.token_path) return fail("oidc.token_path can only be mounted by the sandbox, which is off on this server");
    const claims = { ...req.claims, project: choice.subject, phase, ...(choice.newProject ? { new_project: true } : {}) };
    const minted = await req.issuer.mint(claims, oidc.audience, req.ttlMs);
    req.addSecrets([minted.token]);
    mkdirSync(req.runRoot, { recursive: true, mode: 0o700 });
    const runDir = mkdtempSync(join(req.runRoot, `${phase}-`));
    dispose = async () => {
      rmSync(runDir, { recursive: true, force: true });
    };
    try {
      const tokenFile = join(runDir, "token");
      writeFileSync(tokenFile, minted.token, { mode: 0o600 });
      const setup = oidcProviderSetup(oidc, runDir, tokenFile, `sluice-${minted.jti}`);
      for (const [name, content] of Object.entries(setup.files)) writeFileSync(join(runDir, name), content, { mode: 0o600 });
      Object.assign(env, setup.env);
      mounts.push({ source: runDir, target: runDir }, ...setup.mounts);
    } catch (e) {
      await dispose();
      throw e;
    }
  }
  return { ok: true, creds: { env, mounts, identity: `${label}: ${describeSet(set)}`, dispose } };
}

function readRef(ref: string, env: NodeJS.ProcessEnv): string | undefined {
  if (ref.startsWith("env:")) return env[ref.slice(4)];
  try {
    // A file's trailing newline is not part of the secret.
    return readFileSync(ref.slice(5), "utf8").replace(/\r?\n$/, "");
  } catch {
    return undefined;
  }
}
