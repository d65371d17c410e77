import { expect, it } from "vitest";
import { secretsFor } from "../../src/job-context/secrets.js";
import { cleanText } from "../../src/render/clean-text.js";
import { createRedactor } from "../../src/util/redact.js";

const deps = { redaction: { app: createRedactor({ secrets: ["app-private-key-material"] }) } };

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

it("a job's redactor adds its secrets to the app's, which alone applies the built-in and configured patterns", () => {
  const app = createRedactor({ secrets: ["app-private-key-material"], patterns: [/corp-[0-9]{6}/g] });
  const secrets = secretsFor({ redaction: { app } });
  const token = `ghp_${"a".repeat(36)}`;
  expect(secrets.redact).toBe(app);
  secrets.add(["clone-token-1234567"]);
  const out = secrets.redact(`${token} corp-123456 clone-token-1234567 app-private-key-material plain`);
  expect(out).not.toMatch(/ghp_|corp-|clone-token|app-private/);
  expect(out).toContain("plain");
  // The configured patterns stay reported, so a redactor extended from this one keeps them.
  expect(secrets.redact.patterns.map(String)).toEqual(["/corp-[0-9]{6}/g"]);
  // The job's own part matches its secrets only: the patterns are not run a second time.
  const own = createRedactor({ secrets: ["clone-token-1234567"], builtIn: false });
  expect(own(`${token} clone-token-1234567`)).toBe(`${token} [redacted]`);
  expect(createRedactor({ secrets: ["clone-token-1234567"] })(`${token}`)).toBe("[redacted]");
});

it("hides a job secret whole when a built-in pattern matches part of it (control: the app's redactor, then the job's, kept the rest)", () => {
  const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
  const jobSecret = `deploy-key-prefix:${token}:suffix-part`;
  const secrets = secretsFor(deps);
  secrets.add([jobSecret]);
  expect(secrets.redact(`value = ${jobSecret} done`)).toBe("value = [redacted] done");
  // The app's (built-in patterns) then the job's, one after the other, as before.
  const chained = (text: string) => createRedactor({ secrets: [jobSecret], builtIn: false })(deps.redaction.app(text));
  expect(chained(`value = ${jobSecret} done`)).toContain("deploy-key-prefix:");
});

it("keeps such a secret whole in a PR's text too, where the plans' sensitive values extend the job's redactor", () => {
  const token = `ghp_${"a1B2c3D4e5".repeat(4)}`;
  const jobSecret = `deploy-key-prefix:${token}:suffix-part`;
  const secrets = secretsFor(deps);
  secrets.add([jobSecret]);
  const planned = [{ status: "planned", summary: { sensitiveValues: ["plan-sensitive-value-1"] } }] as never;
  const clean = cleanText(planned, secrets.redact);
  expect(clean(`value = ${jobSecret} and plan-sensitive-value-1`)).toBe("value = [redacted] and [redacted]");
});
