import { createRedactor, type Redactor } from "../render/redact.js";
import type { JobDeps } from "./job-deps.js";

/** Redaction grows as a job learns secrets: the clone token first, sensitive plan values last. */
export interface Secrets {
  redact: Redactor;
  add(values: Iterable<string>): void;
}

export function secretsFor(deps: Pick<JobDeps, "redactPatterns">): Secrets {
  const known: string[] = [];
  const s: Secrets = {
    redact: createRedactor({ patterns: deps.redactPatterns }),
    add(values) {
      known.push(...values);
      s.redact = createRedactor({ secrets: known, patterns: deps.redactPatterns });
    },
  };
  return s;
}
