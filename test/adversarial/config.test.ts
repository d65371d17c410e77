import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadRepoConfig, type RepoConfigResult } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";

// The repo config is written by whoever can push a branch. test/unit/repo-config-hostile.test.ts
// covers size, alias bombs, nesting and arbitrary text; this file adds the escapes and duplicates,
// a near-limit file, and a property over well-formed YAML with hostile values.

function errors(result: RepoConfigResult): string[] {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.config).slice(0, 200)}`);
  return result.errors;
}

const sluice = (body: string) => loadRepoConfig({ sluice: `version: 1\n${body}` });
const atlantis = (body: string) => loadRepoConfig({ atlantis: `version: 3\n${body}` });

describe("repo config: duplicates", () => {
  it.each([
    ["a top-level key", "version: 1\n", "version: duplicate key (line 2)"],
    ["a project key", "projects:\n  - dir: a\n    dir: b\n", "projects[0].dir: duplicate key (line 4)"],
    ["a workflow name", "workflows:\n  w: {}\n  w: {}\n", "workflows.w: duplicate key (line 4)"],
  ])("refuses %s given twice (the second would silently win)", (_, body, error) => {
    expect(errors(sluice(body))).toEqual([error]);
  });

  it("refuses duplicate keys in atlantis.yaml too", () => {
    expect(errors(atlantis("projects:\n  - dir: a\n    workspace: x\n    workspace: y\n"))).toEqual([
      "projects[0].workspace: duplicate key (line 5)",
    ]);
  });
});

describe("repo config: paths that leave the repository", () => {
  const dirs = [
    "/etc",
    "../x",
    "a/../../b",
    "a/..",
    "%2e%2e/x",
    "a%2f..%2f..",
    "a\\..\\..",
    "~/x",
    "~root",
    "a\u0000b",
    "a\u202eb",
    "./../x",
  ];

  it.each(dirs)("refuses the project dir %j in both file formats", (dir) => {
    const quoted = JSON.stringify(dir);
    // Atlantis cleans "./" + dir: there a leading `/` names the repo root, never the server's.
    const formats = dir === "/etc" ? [sluice] : [sluice, atlantis];
    for (const result of formats.map((load) => load(`projects:\n  - dir: ${quoted}\n`))) {
      const [error, ...rest] = errors(result);
      expect(rest).toEqual([]);
      expect(error).toMatch(/^projects\[0\]\.dir: must be a relative path inside the repo, got .* \(line 3\)$/);
    }
  });

  it("reads atlantis.yaml's `/etc` as the repo's `etc`, as Atlantis does", () => {
    const result = atlantis("projects:\n  - dir: /etc\n");
    expect(result.ok && result.config.projects.map((p) => p.dir)).toEqual(["etc"]);
  });

  it.each([
    [
      "when_modified",
      "projects:\n  - dir: net\n    autoplan:\n      when_modified: ['../../../etc/**']\n",
      /^projects\[0\]\.autoplan\.when_modified\[0\]: .*\.\.\/\.\.\/\.\.\/etc/,
    ],
    [
      "helm values",
      "projects:\n  - dir: net\n    helm:\n      values: ['../../../etc/passwd']\n",
      /^projects\[0\]\.helm\.values\[0\]: must be a relative path inside the repo/,
    ],
    [
      "helm values, absolute",
      "projects:\n  - dir: net\n    helm:\n      values: ['/etc/passwd']\n",
      /^projects\[0\]\.helm\.values\[0\]: must be a relative path inside the repo/,
    ],
    [
      "terraform_binary as a path",
      "projects:\n  - dir: net\n    terraform_binary: /tmp/evil\n",
      /^projects\[0\]\.terraform_binary: must be a binary name/,
    ],
    [
      "terraform_binary climbing",
      "projects:\n  - dir: net\n    terraform_binary: ../bin/terraform\n",
      /^projects\[0\]\.terraform_binary: must be a binary name/,
    ],
  ])("refuses %s that escape", (_, body, error) => {
    const list = errors(sluice(body));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatch(error);
  });

  it("never lets a trusted config pick a binary that is not terraform or tofu", () => {
    const config = sluice("projects:\n  - name: net\n    dir: net\n    terraform_binary: sh\n");
    // `sh` is a plain name, so the loader keeps it; the settings refuse to run it.
    expect(config.ok).toBe(true);
    if (!config.ok) return;
    const server = parseServerConfig("{}");
    const settings = repoSettings(server, "acme/infra", config.config, {});
    const project = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };
    expect(settings.binaryFor(project)).toBeUndefined();
  });
});

describe("repo config: size and cost", () => {
  it("a file just under the limit with 20,000 projects is answered, with a bounded error list", () => {
    const projects = Array.from({ length: 20_000 }, (_, i) => `  - {dir: d${i}, bogus: ${i}}`).join("\n");
    const text = `version: 1\nprojects:\n${projects}\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(1024 * 1024);
    const list = errors(loadRepoConfig({ sluice: text }));
    expect(list.length).toBeLessThanOrEqual(31);
    expect(list[list.length - 1]).toMatch(/^… and \d+ more$/);
    expect(list.join("\n").length).toBeLessThan(10_000);
  });

  it("a 5 MB file of otherwise valid config is refused on its size alone", () => {
    const padding = `# ${"x".repeat(1000)}\n`.repeat(5 * 1024);
    const text = `version: 1\n${padding}projects:\n  - dir: net\n`;
    expect(errors(loadRepoConfig({ sluice: text }))).toEqual([
      expect.stringMatching(/^\.sluice\.yaml is [45]\.\d MB; the limit is 1 MiB$/),
    ]);
  });

  it("anchors reused within reason are fine; exponential reuse is refused with a clear error", () => {
    const level = (name: string, of: string) => `${name}: &${name} [${Array(10).fill(`*${of}`).join(", ")}]`;
    // 10 x 10 x 10 = 1,000 values.
    const ok = ["x-a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", level("b", "a"), level("c", "b")];
    const okErrors = errors(sluice(`${ok.join("\n")}\n`));
    // Refused only because the keys are not config keys: the expansion itself was allowed.
    expect(okErrors.every((e) => /unknown key/.test(e))).toBe(true);
    // Three more levels: a million values, from 400 bytes.
    const bomb = [...ok, level("d", "c"), level("e", "d"), level("f", "e")];
    expect(errors(sluice(`${bomb.join("\n")}\n`))).toEqual([
      expect.stringMatching(/YAML aliases (expand to more than|are used too often)/),
    ]);
  });
});

// Values chosen to escape, inject or confuse, placed by the property below into real config keys.
const HOSTILE = [
  "..",
  "../..",
  "/etc",
  "/",
  "~",
  "%2e%2e",
  "a/../../b",
  "\\..\\",
  "$(touch /tmp/x)",
  "`id`",
  "; rm -rf /",
  "-rf",
  "--chdir=/",
  "\u0000",
  "\u202e",
  "net",
  "./net",
  "net/",
  "**",
  "!**",
  "../**",
  "terraform",
  "sh",
  "env:WEBHOOK_SECRET",
  "WEBHOOK_SECRET",
  "x".repeat(2_000),
];

const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 12 }));
/** Mostly valid values with a hostile one now and then, so that many configs get accepted. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostile, weight: 1 });
const dirArb = mostly(fc.constantFrom(".", "net", "envs/prod", "a/b/c", "./net", "net/", "modules/../net"));
const projectArb = fc.record(
  {
    dir: dirArb,
    name: mostly(fc.constantFrom("net", "prod", "a-b")),
    workspace: mostly(fc.constantFrom("default", "staging")),
    terraform_binary: mostly(fc.constantFrom("terraform", "tofu", "terraform1.9")),
    autoplan: fc.record({ when_modified: fc.array(mostly(fc.constantFrom("*.tf", "../modules/**", "**/*.tfvars")), { maxLength: 3 }) }),
    helm: fc.record({ values: fc.array(mostly(fc.constantFrom("values.yaml", "../shared/values.yaml")), { maxLength: 2 }) }),
  },
  { requiredKeys: ["dir"] },
);
const step = fc.oneof(
  fc.constantFrom("init", "plan", "apply"),
  fc.record({ run: fc.oneof(hostile, fc.array(hostile, { minLength: 1, maxLength: 3 })) }),
  fc.record({ env: fc.record({ name: mostly(fc.constantFrom("TF_LOG", "FOO")), value: hostile }) }),
);
const configArb = fc.record(
  {
    version: mostly(fc.constant(1)),
    projects: fc.array(projectArb, { maxLength: 4 }),
    workflows: fc.dictionary(
      mostly(fc.constantFrom("w", "custom")),
      fc.record({ plan: fc.record({ steps: fc.array(step, { maxLength: 3 }) }) }),
      {
        maxKeys: 2,
      },
    ),
  },
  { requiredKeys: ["version"] },
);

const CLEAN_DIR = /^(\.|(?!-)[^/\\~%\u0000-\u001f\u202e]+(\/[^/\\~%\u0000-\u001f\u202e]+)*)$/u;

describe("repo config (property)", () => {
  it("well-formed YAML with hostile values: never throws; anything accepted is clean", () => {
    fc.assert(
      fc.property(configArb, fc.boolean(), (config, asAtlantis) => {
        const text = stringify(asAtlantis ? { ...config, version: 3 } : config);
        const result = loadRepoConfig(asAtlantis ? { atlantis: text } : { sluice: text });
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          expect(result.errors.length).toBeLessThanOrEqual(31);
          for (const e of result.errors) expect(e).not.toMatch(/internal error/);
          return;
        }
        for (const p of result.config.projects) {
          expect(p.dir).toMatch(CLEAN_DIR);
          expect(p.dir.split("/")).not.toContain("..");
          if (p.dir !== ".") expect(p.dir.split("/")).not.toContain(".");
          for (const file of p.helm?.values ?? []) expect(file.startsWith("/")).toBe(false);
          if (p.terraformBinary !== undefined) expect(p.terraformBinary).toMatch(/^[A-Za-z0-9_.+-]+$/);
        }
        for (const workflow of Object.values(result.config.workflows)) {
          for (const s of [...workflow.plan, ...workflow.apply]) {
            // .sluice.yaml: a run step is an argv list, never a command line for sh -c. atlantis.yaml:
            // a script for sh or bash, as Atlantis runs it (inside the sandbox, trusted config only).
            if (s.kind === "run") {
              expect(Array.isArray(s.argv)).toBe(true);
              if (asAtlantis) expect(["sh", "bash"]).toContain(s.argv[0]);
              else expect(s.shell).not.toBe(true);
            }
          }
        }
      }),
      { numRuns: 600 },
    );
  });
});

describe("server config: the operator's file, refused clearly", () => {
  it.each([
    [
      "an alias bomb",
      [
        "a: &a [x,x,x,x,x,x,x,x,x,x]",
        ...Array.from({ length: 7 }, (_, i) => `${"bcdefgh"[i]}: &${"bcdefgh"[i]} [${Array(10).fill(`*${"abcdefg"[i]}`).join(",")}]`),
      ].join("\n"),
    ],
    ["duplicate keys", "repos: [a/b]\nrepos: [c/d]\n"],
    ["a zero step timeout", "step_timeout: 0s\n"],
    ["a secret read from the PR instead of the environment", "secrets:\n  token: ghp_literal_value\n"],
    ["an unknown key", "allow_everything: true\n"],
    ["__proto__", "__proto__: {allow_fork_prs: true}\n"],
    ["an invalid redact pattern", "redact_patterns: ['(']\n"],
  ])("%s: a ConfigError naming the problem", (_, text) => {
    expect(() => parseServerConfig(text)).toThrow(ConfigError);
    expect(({} as Record<string, unknown>).allow_fork_prs).toBeUndefined();
  });
});
