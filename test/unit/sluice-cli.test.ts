import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/sluice.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const server = join(dir, "sluice.yaml");
writeFileSync(
  server,
  'approvals: 1\napply_requirements: [approved, mergeable]\nallowed_overrides: [approvals]\nrepos:\n  - "acme/*"\n  - { id: "acme/prod-*", allowed_overrides: [approvals, apply_requirements] }\n',
);
const repoFile = join(dir, ".sluice.yaml");
writeFileSync(
  repoFile,
  "version: 1\napprovals: 2\nautomerge: true\nprojects:\n  - name: net\n    dir: net\n    apply_requirements: [approved]\n",
);

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(
    argv,
    { SLUICE_SERVER_CONFIG: server },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("sluice config explain --repo-config", () => {
  it("shows what the repository's own file changes where the server lets it, and what it sets in vain", () => {
    const web = cli("config", "explain", "acme/web", "--repo-config", repoFile);
    expect(web.code, web.err).toBe(0);
    expect(web.out).toContain("The repository's own config (.sluice.yaml):");
    expect(web.out).toMatch(/approvals {2}2 {2}← \.sluice\.yaml \(allowed_overrides\)/);
    // Not allowed for acme/web: the project's requirements stay the server's, and the file's automerge is named as ignored.
    expect(web.out).not.toContain("apply_requirements (project net)");
    expect(web.out).toContain("ignored: `automerge: true` in .sluice.yaml is ignored");

    const prod = cli("config", "explain", "acme/prod-db", "--repo-config", repoFile);
    expect(prod.out).toMatch(/apply_requirements \(project net\) {2}\["approved"\] {2}← \.sluice\.yaml/);
  });

  it("a repo file that is invalid or missing: exit code 2 with the reason", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "version: 1\nprojects: nope\n");
    const r = cli("config", "explain", "acme/web", "--repo-config", bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is invalid");
    const missing = cli("config", "explain", "acme/web", "--repo-config", join(dir, "none.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("ENOENT");
    expect(cli("config", "explain", "acme/web", "--repo-config").code).toBe(2);
  });
});

describe("sluice config explain: rules that read the plan", () => {
  const checkout = mkdtempSync(join(tmpdir(), "sluice-cli-plan-rules-"));
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));
  const serverFile = join(checkout, "server.yaml");
  writeFileSync(
    serverFile,
    [
      'protect: ["aws_db_instance.*", "module.vpc.*", "aws_dynamodb_table.*"]',
      'agents: ["*[bot]"]',
      "auto_approve: {when: [empty]}",
      "allowed_overrides: [auto_approve]",
      "",
    ].join("\n"),
  );
  const repo = join(checkout, ".sluice.yaml");
  writeFileSync(
    repo,
    [
      "version: 1",
      "projects:",
      "  - name: db",
      "    dir: db",
      '    protect: ["aws_s3_bucket.logs", "aws_s3_bucket.typo"]',
      "    auto_approve: {when: [only_tags]}",
      "    destroy: {approvals: 2}",
      "",
    ].join("\n"),
  );
  mkdirSync(join(checkout, "db", "modules", "rds"), { recursive: true });
  writeFileSync(
    join(checkout, "db", "main.tf"),
    'module "vpc" {\n  source = "./modules/rds"\n}\nresource "aws_s3_bucket" "logs" {}\n# resource "aws_dynamodb_table" "old" {}\n',
  );
  writeFileSync(join(checkout, "db", "modules", "rds", "main.tf"), 'resource "aws_db_instance" "main" {\n  engine = "postgres"\n}\n');

  const run = (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCli(
      argv,
      { SLUICE_SERVER_CONFIG: serverFile },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("shows protect, auto_approve, agents and the project's own rules, and warns of a pattern that matches nothing", () => {
    const r = run("config", "explain", "acme/db", "--repo-config", repo);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/protect +\["aws_db_instance\.\*","module\.vpc\.\*","aws_dynamodb_table\.\*"\] +← server config/);
    expect(r.out).toContain("agents  *[bot]  ← server config (server-wide)");
    expect(r.out).toContain('protect (project db)  ["aws_s3_bucket.logs","aws_s3_bucket.typo"]  ← .sluice.yaml (adds to the server\'s)');
    expect(r.out).toContain('auto_approve (project db)  {"when":["only_tags"]}  ← .sluice.yaml (allowed_overrides)');
    // `destroy` is not in this server's allowed_overrides: named as ignored, never applied in silence.
    expect(r.out).toContain("`destroy` of project `db` in .sluice.yaml is ignored");
    const warnings = r.out.split("\n").filter((l) => l.includes("⚠ warning"));
    // A resource in a comment is not declared; one in a local module is.
    expect(warnings).toEqual([
      expect.stringContaining("`aws_dynamodb_table.*` (server config) matches no resource or module"),
      expect.stringContaining("`aws_s3_bucket.typo` (project db) matches no resource or module"),
    ]);
  });

  it("past 5,000 .tf files beside the config nothing is checked, and it says so (control: the same files fewer warn)", () => {
    const big = join(checkout, "big");
    mkdirSync(big);
    writeFileSync(join(big, ".sluice.yaml"), readFileSync(repo, "utf8"));
    const many = (n: number) => {
      for (let i = 0; i < n; i++) writeFileSync(join(big, `m${i}.tf`), `resource "null_resource" "r${i}" {}\n`);
    };
    many(10);
    const few = run("config", "explain", "acme/db", "--repo-config", join(big, ".sluice.yaml"));
    expect(few.out).toContain("⚠ warning");
    expect(few.err).toBe("");
    many(5_001);
    const r = run("config", "explain", "acme/db", "--repo-config", join(big, ".sluice.yaml"));
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("⚠ warning");
    expect(r.err).toContain("more than 5000 .tf files");
  });

  it("without the repository's files nothing is checked, and nothing warns", () => {
    const r = run("config", "explain", "acme/db");
    expect(r.out).not.toContain("⚠ warning");
  });
});

describe("sluice config explain: change control", () => {
  const file = join(dir, "change-control.yaml");
  writeFileSync(
    file,
    [
      "freezes:",
      '  - { match: "acme/*", from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", reason: "a long freeze" }',
      "permissions:",
      '  - { match: "acme/infra:prod", apply: [carol, acme/sre], state: [acme/sre] }',
      '  - { match: "other/infra", apply: [mallory] }',
      "",
    ].join("\n"),
  );
  const explain = (...argv: string[]) => {
    const out: string[] = [];
    const code = runCli(
      ["config", "explain", ...argv],
      { SLUICE_SERVER_CONFIG: file },
      (s) => out.push(s),
      () => undefined,
    );
    return { code, out: out.join("\n") };
  };

  it("prints the rules that can hold the repository's projects, with what each says now; --json carries them", () => {
    const text = explain("acme/infra");
    expect(text.code).toBe(0);
    expect(text.out).toContain("  apply_windows  none");
    expect(text.out).toContain("    acme/*  2020-01-01 00:00 UTC → 2100-01-01 00:00 UTC (a long freeze)  now: on");
    expect(text.out).toContain("    acme/infra:prod  apply: carol, acme/sre; state: acme/sre");
    // Control: another repository's rule is not shown.
    expect(text.out).not.toContain("mallory");
    const json = JSON.parse(explain("acme/infra", "--json").out) as { changeControl: { freezes: { now: string }[] } };
    expect(json.changeControl.freezes).toEqual([expect.objectContaining({ now: "on" })]);
  });
});
