import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { settledReadyz } from "../support/readyz.js";
import { runMainUntilExit } from "../support/run-main.js";
import { removeDir } from "../support/start-app.js";

// Every repos.yaml key Sluice does not do, each set to a value that would matter in Atlantis (but
// `branch`, `plan_requirements` and `import_requirements`, refused at start with such a value).
const UNSUPPORTED = `repos:
- id: /.*/
  branch: /.*/
  repo_config_file: infra/atlantis.yaml
  plan_requirements: []
  import_requirements: []
  allowed_overrides: [workflow, delete_source_branch_on_merge, repo_locking, repo_locks, policy_check, custom_policy_check, silence_pr_comments, plan_requirements, import_requirements]
  delete_source_branch_on_merge: true
  repo_locking: false
  repo_locks: {mode: on_apply}
  custom_policy_check: true
  autodiscover: {mode: disabled}
  silence_pr_comments: [plan]
metrics:
  prometheus: {endpoint: /metrics}
team_authz:
  command: ./authz.sh
external_stores:
  plan_store: {type: s3, s3: {bucket: b, region: r}}
workflows:
  w:
    import: {steps: [init]}
    state_rm: {steps: [init]}
`;
const NAMED = [
  "`repos.0.repo_config_file` (line 4)",
  "`repos.0.allowed_overrides` (line 7)",
  "`repos.0.delete_source_branch_on_merge` (line 8)",
  "`repos.0.repo_locking` (line 9)",
  "`repos.0.repo_locks` (line 10)",
  "`repos.0.custom_policy_check` (line 11)",
  "`repos.0.autodiscover` (line 12)",
  "`repos.0.silence_pr_comments` (line 13)",
  "`metrics` (line 14)",
  "`team_authz` (line 16)",
  "`external_stores` (line 18)",
  "`workflows.w.import`",
  "`workflows.w.state_rm`",
];

let dir: string;
let h: Harness;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-atlantis-keys-"));
  await writeFile(join(dir, "repos.yaml"), UNSUPPORTED);
  h = await startHarness({ env: { ATLANTIS_REPO_CONFIG: join(dir, "repos.yaml") } });
});
afterAll(async () => {
  await h?.stop();
  await removeDir(dir);
});

describe("ATLANTIS_REPO_CONFIG: nothing is dropped in silence", () => {
  it("every unsupported key is named at start, with its line, in the log and in /readyz", async () => {
    const ready = await settledReadyz(h.app.url);
    const config = ready.body.checks.find((c) => c.name === "config");
    expect(config?.ok).toBe(true);
    for (const key of NAMED) {
      expect(h.app.output(), key).toContain(key);
      expect(config?.detail, key).toContain(key);
    }
  });

  describe("the production entry point", () => {
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const base = () => ({
      APP_ID: "1",
      PRIVATE_KEY: key,
      WEBHOOK_SECRET: "s",
      GHE_HOST: "127.0.0.1:9",
      GHE_PROTOCOL: "http",
      SLUICE_DATA_DIR: join(dir, "data"),
    });

    it("a malformed repos.yaml stops the start: exit code 2, the key and the line", async () => {
      await writeFile(join(dir, "bad.yaml"), "repos:\n- id: /.*/\n  apply_requirements: [approved, reviewed]\n");
      const r = await runMainUntilExit({ ...base(), ATLANTIS_REPO_CONFIG: join(dir, "bad.yaml") }, dir);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toMatch(/repos\.0\.apply_requirements\.1: .*\(line 3\)/);
    });

    it("an entry Atlantis would keep to some base branches stops the start: exit code 2, the key and the line", async () => {
      await writeFile(join(dir, "branch.yaml"), "repos:\n- id: /.*/\n  branch: /^sandbox$/\n  apply_requirements: []\n");
      const r = await runMainUntilExit({ ...base(), ATLANTIS_REPO_CONFIG: join(dir, "branch.yaml") }, dir);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toMatch(/repos\.0\.branch: Sluice applies a repos entry to every base branch.*\(line 3\)/);
    });

    it("a key set in both files stops the start, naming both", async () => {
      await writeFile(join(dir, "sluice.yaml"), "apply_requirements: [approved]\n");
      await writeFile(join(dir, "also.yaml"), "repos:\n- id: /.*/\n  apply_requirements: []\n");
      const r = await runMainUntilExit(
        { ...base(), SLUICE_SERVER_CONFIG: join(dir, "sluice.yaml"), ATLANTIS_REPO_CONFIG: join(dir, "also.yaml") },
        dir,
      );
      expect(r.code, r.output).toBe(2);
      expect(r.output).toContain(`\`apply_requirements\` is set in both ${join(dir, "sluice.yaml")} and ${join(dir, "also.yaml")}`);
    });
  });
});
