import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseServerConfig } from "../../../src/config/server-config.js";
import { credentialRuleFor } from "../../../src/config/credential-rule-for.js";
import { prepareRunCredentials } from "../../../src/credentials/prepare-run-credentials.js";
import { testDir } from "../../support/temp-dir.js";

// `files` mounts a server file or directory into the run (docs: "a file or directory"). What the
// run can print of it must be redacted either way: a directory's credential files too.
const dir = testDir("sluice-cred-dir-");
const awsDir = join(dir, "aws");
mkdirSync(join(awsDir, "sso", "cache"), { recursive: true });
writeFileSync(join(awsDir, "credentials"), "[default]\naws_secret_access_key = dir-secret-value-1\n");
writeFileSync(join(awsDir, "sso", "cache", "token.json"), JSON.stringify({ accessToken: "nested-token-value-2" }));
const single = join(dir, "single");
writeFileSync(single, "[default]\naws_secret_access_key = file-secret-value-3\n");

async function added(files: string): Promise<string[]> {
  const config = parseServerConfig(`credentials:\n  - match: "acme/infra"\n    plan: { files: ${files} }\n`);
  const got: string[] = [];
  const p = await prepareRunCredentials({
    choice: credentialRuleFor(config.credentials, { kind: "known", repo: "acme/infra", name: "net", dir: "net", workspace: "default" }),
    phase: "plan",
    claims: { repository: "acme/infra", workspace: "default", head_sha: "a".repeat(40), base_ref: "main", actor: "bob" },
    ttlMs: 60e3,
    runRoot: join(dir, "runs"),
    sandboxOn: true,
    addSecrets: (v) => got.push(...v),
    env: {},
  });
  if (!p.ok) throw new Error(p.reason);
  await p.creds.dispose();
  return got;
}

describe("credential files given to a run are redacted", () => {
  it("control: a mounted file's credentials", async () => {
    expect(await added(`{ "/home/tool/.aws/credentials": "${single}" }`)).toContain("file-secret-value-3");
  });

  it("a mounted directory's files too, nested ones included", async () => {
    const got = await added(`{ "/home/tool/.aws": "${awsDir}" }`);
    expect(got).toContain("dir-secret-value-1");
    expect(got).toContain("nested-token-value-2");
  });
});
