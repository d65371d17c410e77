import { createRedactor, type Redactor } from "../render/redact.js";
import type { JobDeps } from "./job-deps.js";

/** Redaction grows as a job learns secrets: the clone token first, sensitive plan values last. */
export interface Secrets {
  redact: Redactor;
  add(values: Iterable<string>): void;
}

export function secretsFor(deps: Pick<JobDeps, "redactPatterns" | "appSecrets">): Secrets {
  // A PR's code can read this server's files and its process environment (/proc): whatever it
  // prints of the app's own credentials is redacted like any other secret.
  const known: string[] = [...deps.appSecrets];
  const s: Secrets = {
    redact: createRedactor({ secrets: known, patterns: deps.redactPatterns }),
    add(values) {
      known.push(...values);
      s.redact = createRedactor({ secrets: known, patterns: deps.redactPatterns });
    },
  };
  return s;
}
