import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRedactor, extendRedactor, REDACTED, type Redactor } from "../../src/util/redact.js";

const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const PAT = `github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV`;

describe("createRedactor: built-in patterns", () => {
  const redact = createRedactor();
  const cases: [string, string, string][] = [
    [
      "installation token in a git error URL",
      `fatal: unable to access 'https://x-access-token:${TOKEN}@github.com/acme/infra.git/': Could not resolve host`,
      `fatal: unable to access 'https://x-access-token:${REDACTED}@github.com/acme/infra.git/': Could not resolve host`,
    ],
    ["any GitHub token", `token is ghp_${"a".repeat(36)}.`, `token is ${REDACTED}.`],
    ["fine-grained PAT", `GH_TOKEN=${PAT}`, `GH_TOKEN=${REDACTED}`],
    ["password in any URL", "postgres://sluice:s3cret@db:5432/sluice", `postgres://sluice:${REDACTED}@db:5432/sluice`],
    ["Authorization: token", "Authorization: token abc123def456", `Authorization: token ${REDACTED}`],
    ["Authorization: Bearer", "authorization: Bearer eyJhbGciOi.x.y", `authorization: Bearer ${REDACTED}`],
    [
      "Authorization: Basic (git's header)",
      "> Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hzXzE2Qzdl",
      `> Authorization: Basic ${REDACTED}`,
    ],
    ["Authorization in JSON", `{"Authorization": "Bearer abc.def"}`, `{"Authorization": "Bearer ${REDACTED}"}`],
    ["AWS access key id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", `aws_access_key_id = ${REDACTED}`],
    ["AWS secret access key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `aws_secret_access_key = ${REDACTED}`],
    [
      "PEM private key block",
      "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc+/=\n-----END RSA PRIVATE KEY-----\ndone",
      `key:\n${REDACTED}\ndone`,
    ],
    ["PEM block cut off before its end line", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nMIIEvQIBADAN", REDACTED],
    [
      "PEM with escaped newlines in JSON",
      `"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE\\n-----END EC PRIVATE KEY-----\\n"`,
      `"${REDACTED}\\n"`,
    ],
    [
      "public keys stay",
      "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
      "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    ],
    ["nothing to redact", "Plan: 1 to add, 0 to change, 0 to destroy.", "Plan: 1 to add, 0 to change, 0 to destroy."],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });
});

describe("createRedactor: registered secrets", () => {
  it("redacts every occurrence, also at the very start and end", () => {
    const redact = createRedactor({ secrets: ["hunter2hunter2"] });
    expect(redact("hunter2hunter2 and hunter2hunter2")).toBe(`${REDACTED} and ${REDACTED}`);
    expect(redact("hunter2hunter2")).toBe(REDACTED);
  });

  it("ignores secrets shorter than 4 characters", () => {
    const redact = createRedactor({ secrets: ["abc", "", "abcd"] });
    expect(redact("abc abcd")).toBe(`abc ${REDACTED}`);
    expect(redact.secrets).toEqual(["abcd"]);
  });

  it("prefers the longest secret and leaves no fragment of overlapping ones", () => {
    const redact = createRedactor({ secrets: ["abcdef", "defghi", "abcd"] });
    expect(redact("xx abcdefghi yy")).toBe(`xx ${REDACTED} yy`);
    expect(redact("abcd")).toBe(REDACTED);
    expect(redact("zabcdez")).toBe(`z${REDACTED}ez`);
    expect(redact.secrets).toEqual(["abcdef", "defghi", "abcd"]);
  });

  it("merges adjacent occurrences", () => {
    const redact = createRedactor({ secrets: ["s3cr3t"] });
    expect(redact("s3cr3ts3cr3t")).toBe(REDACTED);
  });

  it("redacts secrets containing regex metacharacters literally", () => {
    const redact = createRedactor({ secrets: ["a.b*c(d)[e]$"] });
    expect(redact("x a.b*c(d)[e]$ y axbbbcde")).toBe(`x ${REDACTED} y axbbbcde`);
  });

  it("redacts the URL-encoded and JSON-escaped forms", () => {
    const redact = createRedactor({ secrets: ['p@ss w/rd"\n'] });
    expect(redact("https://u:p%40ss%20w%2Frd%22%0A@host")).not.toContain("p%40ss");
    expect(redact(`{"password":"p@ss w/rd\\"\\n"}`)).toBe(`{"password":"${REDACTED}"}`);
  });

  it("redacts the base64 form, also inside a longer base64 string (git's Basic auth)", () => {
    const redact = createRedactor({ secrets: [TOKEN] });
    const alone = Buffer.from(TOKEN).toString("base64");
    expect(redact(`value: ${alone}`)).not.toContain(alone.slice(4, 30));
    for (const prefix of ["x-access-token:", "x-access-token:a", "x-access-token:ab"]) {
      const header = Buffer.from(`${prefix}${TOKEN}`).toString("base64");
      const out = redact(`Proxy-Header: ${header}`);
      expect(out).toContain(REDACTED);
      // Whatever is left cannot decode back to the token.
      expect(Buffer.from(out.replace("Proxy-Header: ", "").replace(REDACTED, ""), "base64").toString()).not.toContain(TOKEN.slice(8));
    }
  });

  it.each<[string, (secret: string) => string]>([
    ["upper-case", (x) => x.toUpperCase()],
    ["lower-case", (x) => x.toLowerCase()],
    [
      "Go's JSON escapes (terraform show -json)",
      (x) => JSON.stringify(x).slice(1, -1).replaceAll("<", "\\u003c").replaceAll(">", "\\u003e").replaceAll("&", "\\u0026"),
    ],
    ["hex of its bytes", (x) => Buffer.from(x).toString("hex")],
    ["base64url", (x) => Buffer.from(x).toString("base64url")],
    ["its sha256 (a checksum annotation, sha256())", (x) => createHash("sha256").update(x).digest("hex")],
    ["its sha256 in base64 (base64sha256())", (x) => createHash("sha256").update(x).digest("base64")],
    ["its sha1", (x) => createHash("sha1").update(x).digest("hex")],
    ["its md5", (x) => createHash("md5").update(x).digest("hex")],
    ["base64 inside a longer base64 run (a Secret's data)", (x) => Buffer.from(`user:${x}`).toString("base64")],
    ["URL-encoded", (x) => encodeURIComponent(x)],
  ])("redacts the %s form of a registered secret", (_name, derive) => {
    const secret = "Db-Pa55<w&rd>/x";
    const redact = createRedactor({ secrets: [secret] });
    const form = derive(secret);
    const out = redact(`value: ${form} end`);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(form);
    expect(out.startsWith("value: ")).toBe(true);
    // Control: another secret's forms are left alone.
    expect(createRedactor({ secrets: ["other-secret-value"] })(`value: ${form} end`)).toBe(`value: ${form} end`);
  });

  it("redacts secrets after control stripping too (CRLF-normalized multi-line values)", () => {
    const redact = createRedactor({ secrets: ["line one\r\nline two"] });
    expect(redact("x line one\nline two y")).toBe(`x ${REDACTED} y`);
  });

  it("applies caller patterns, whatever their flags", () => {
    const redact = createRedactor({ patterns: [/tok-\d+/, /CASE/i, /(?:)/g] });
    expect(redact("a tok-123 b case")).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redact.patterns.length).toBe(3);
  });

  it("handles 10 MB with many secrets in one pass", () => {
    const secrets = Array.from({ length: 500 }, (_, i) => `secret-value-${i.toString(36).padStart(4, "0")}-xyz`);
    const redact = createRedactor({ secrets });
    const line = '  + resource "aws_instance" "web" { ami = "ami-123" tags = { Name = "secret-value-0" } }\n';
    const text = `${line.repeat(Math.ceil(10_000_000 / line.length))}${secrets[499]}`;
    const out = redact(text);
    expect(out.endsWith(REDACTED)).toBe(true);
    expect(out.length).toBe(text.length - (secrets[499] as string).length + REDACTED.length);
  });
});

describe("extendRedactor", () => {
  it("adds secrets and keeps the base's secrets and patterns", () => {
    const base = createRedactor({ secrets: ["first-secret"], patterns: [/tok-\d+/g] });
    const extended = extendRedactor(base, ["second-secret", "abc"]);
    expect(extended("first-secret second-secret tok-1 abc")).toBe(`${REDACTED} ${REDACTED} ${REDACTED} abc`);
    expect(extended.secrets).toEqual(["second-secret", "first-secret"]);
    expect(extendRedactor(base, ["first-secret"])).toBe(base);
  });

  it("wraps a redactor it did not make", () => {
    const custom: Redactor = Object.assign((t: string) => t.replace("custom", REDACTED), { secrets: [], patterns: [] });
    const extended = extendRedactor(custom, ["overlapping-value"]);
    expect(extended("custom overlapping-value")).toBe(`${REDACTED} ${REDACTED}`);
  });
});
