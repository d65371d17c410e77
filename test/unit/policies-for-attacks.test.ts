import { describe, expect, it } from "vitest";
import { policiesFor } from "../../src/config/policies-for.js";
import { credentialRuleFor } from "../../src/config/credential-rule-for.js";
import { parseServerConfig } from "../../src/config/server-config.js";

// `policies.repos` and `credentials` rules are both globs over OWNER/REPO: a repository the
// credentials rule `acme/*` covers must be one the policies `acme/*` check. GitHub allows names
// that start with a dot (`acme/.infra`), which a glob's `*` skips unless told otherwise.
const config = parseServerConfig(`
credentials: [{ match: "acme/*", apply: { env: { K: "env:K" } } }]
policies:
  conftest_binary: /usr/local/bin/conftest
  repos: ["acme/*"]
  policy_sets:
    - { name: base, path: /etc/sluice/policies/base, source: local }
`);

describe("which repositories the server's policies check", () => {
  it("control: acme/infra is checked, other/infra is not", () => {
    expect(policiesFor(config, "acme/infra")).toBeDefined();
    expect(policiesFor(config, "other/infra")).toBeUndefined();
  });

  it("a repository whose name starts with a dot is checked as its credentials rule covers it", () => {
    const id = { kind: "known" as const, repo: "acme/.infra", name: "net", dir: "net", workspace: "default" };
    expect(credentialRuleFor(config.credentials, id).rule?.match).toBe("acme/*");
    expect(policiesFor(config, "acme/.infra")).toBeDefined();
  });
});
