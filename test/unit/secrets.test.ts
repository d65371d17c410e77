import { expect, it } from "vitest";
import { secretsFor } from "../../src/job-context/secrets.js";
import { createRedactor } from "../../src/util/redact.js";

const deps = { redaction: { patterns: [], app: createRedactor({ secrets: ["app-private-key-material"] }) } };

it("redacts what it learns, and keeps its redactor when nothing new is added (every project adds its secret set)", () => {
  const secrets = secretsFor(deps);
  secrets.add(["clone-token-1234567"]);
  const first = secrets.redact;
  secrets.add([]);
  secrets.add(["clone-token-1234567"]);
  expect(secrets.redact).toBe(first);
  secrets.add(["helm-value-7654321"]);
  expect(secrets.redact).not.toBe(first);
  const out = secrets.redact("clone-token-1234567 helm-value-7654321 app-private-key-material plain");
  expect(out).not.toMatch(/clone-token|helm-value|app-private/);
  expect(out).toContain("plain");
});
