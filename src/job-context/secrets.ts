import { createRedactor, type Redactor, unionRedactor } from "../util/redact.js";
import type { JobDeps } from "./job-deps.js";

/** Redaction grows as a job learns secrets: the clone token first, sensitive plan values last. */
export interface Secrets {
  redact: Redactor;
  add(values: Iterable<string>): void;
}

/**
 * `inner` and `secrets` together (unionRedactor: their matches merged); reports the secrets of
 * both (live output holds back by them). `inner` starts from the app's redactor, which applies the
 * built-in and configured patterns, so the part added here matches its secrets only: every text
 * would otherwise go through the same patterns once per link.
 */
export function withSecrets(inner: Redactor, secrets: Iterable<string>): Redactor {
  return unionRedactor(inner, createRedactor({ secrets, builtIn: false }));
}

/**
 * A PR's code can read this server's files and its process environment (/proc): whatever it
 * prints of the app's own credentials is redacted like any other secret. Those are matched by a
 * redactor built once at startup (a private key makes it large); each job adds a small one.
 */
export function secretsFor(deps: Pick<JobDeps, "redaction">): Secrets {
  const known = new Set<string>();
  const s: Secrets = {
    redact: deps.redaction.app,
    add(values) {
      const before = known.size;
      for (const v of values) known.add(v);
      // Every project adds its secret set, most often none or the same: the matcher is rebuilt only for new ones.
      if (known.size === before) return;
      s.redact = withSecrets(deps.redaction.app, known);
    },
  };
  return s;
}
