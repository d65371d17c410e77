import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { describe, expect, it } from "vitest";
import { foreignHost, githubHosts, repositoryMismatch } from "../../src/ingress/delivery-hosts.js";

/** github.com's own payloads, by event, from @octokit/webhooks-examples. */
function examples(): [string, Record<string, unknown>][] {
  const defs = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];
  return defs.flatMap((d) =>
    (d.examples as unknown as Record<string, unknown>[]).map((e): [string, Record<string, unknown>] => [d.name, e]),
  );
}

describe("foreignHost", () => {
  const dotcom = githubHosts();
  const repository = {
    clone_url: "https://github.com/acme/infra.git",
    html_url: "https://github.com/acme/infra",
    url: "https://api.github.com/repos/acme/infra",
  };

  it("accepts github.com's web and API hosts, case aside, and payloads without a repository", () => {
    expect(foreignHost({ repository }, dotcom)).toBeUndefined();
    expect(foreignHost({ repository: { ...repository, clone_url: "https://GitHub.com/acme/infra.git" } }, dotcom)).toBeUndefined();
    expect(foreignHost({ action: "created" }, dotcom)).toBeUndefined();
  });

  it("refuses a URL on another host, the API host where the web host belongs, or a lookalike", () => {
    expect(foreignHost({ repository: { ...repository, clone_url: "https://evil.example/acme/infra.git" } }, dotcom)).toContain(
      "repository.clone_url is on evil.example",
    );
    expect(foreignHost({ repository: { ...repository, clone_url: "https://api.github.com/acme/infra.git" } }, dotcom)).toContain(
      "clone_url",
    );
    expect(foreignHost({ repository: { ...repository, html_url: "https://github.com.evil.example/acme" } }, dotcom)).toContain("html_url");
    expect(foreignHost({ repository: { ...repository, url: "https://github.com/repos/acme/infra" } }, dotcom)).toContain("repository.url");
  });

  // A push names its repository in GitHub's older format: `url` is the web page, not the API.
  it("accepts every real payload of github.com's, push's web `url` included", () => {
    const all = examples();
    expect(all.some(([event]) => event === "push")).toBe(true);
    const refused = all.flatMap(([event, payload]) => {
      const why = foreignHost(payload, dotcom, event);
      return why ? [`${event}.${String(payload.action ?? "")}: ${why}`] : [];
    });
    expect(refused).toEqual([]);
  });

  it("a push's `url` is on the web host and nowhere else; other events' on the API host", () => {
    const push = { ...repository, url: "https://github.com/acme/infra" };
    expect(foreignHost({ repository: push }, dotcom, "push")).toBeUndefined();
    expect(foreignHost({ repository: { ...push, url: "https://evil.example/acme/infra" } }, dotcom, "push")).toContain(
      "repository.url is on evil.example",
    );
    expect(foreignHost({ repository: { ...push, clone_url: "https://evil.example/acme/infra.git" } }, dotcom, "push")).toContain(
      "repository.clone_url",
    );
    expect(foreignHost({ repository: push }, dotcom, "issue_comment")).toContain("repository.url is on github.com");
  });

  it("GitHub Enterprise Server: one host, its port included", () => {
    const ghe = githubHosts("https://ghe.acme.test:8443/api/v3");
    const on = (host: string) => ({
      repository: { clone_url: `https://${host}/acme/infra.git`, url: `https://${host}/api/v3/repos/acme/infra` },
    });
    expect(foreignHost(on("ghe.acme.test:8443"), ghe)).toBeUndefined();
    expect(foreignHost(on("ghe.acme.test"), ghe)).toContain("not on the configured GitHub (ghe.acme.test:8443)");
  });
});

describe("repositoryMismatch", () => {
  const repository = {
    name: "infra",
    full_name: "acme/infra",
    owner: { login: "acme" },
    clone_url: "https://github.com/acme/infra.git",
    html_url: "https://github.com/acme/infra",
  };

  it("control: GitHub's own payloads, case aside, push's owner.name, and payloads without a repository", () => {
    expect(repositoryMismatch({ repository })).toBeUndefined();
    expect(repositoryMismatch({ repository: { ...repository, full_name: "Acme/Infra" } })).toBeUndefined();
    expect(repositoryMismatch({ repository: { ...repository, owner: { name: "acme" } } })).toBeUndefined();
    expect(repositoryMismatch({ action: "created" })).toBeUndefined();
    expect(repositoryMismatch(null)).toBeUndefined();
  });

  it.each([
    ["clone_url", { clone_url: "https://github.com/mallory/infra.git" }],
    ["clone_url", { clone_url: "https://github.com/mallory/infra.git?/acme/infra.git" }],
    ["clone_url", { clone_url: "https://github.com/acme/infra.git#x" }],
    ["clone_url", { clone_url: "https://mallory@github.com/acme/infra.git" }],
    ["clone_url", { clone_url: "https://github.com/x/../mallory/infra.git" }],
    ["html_url", { html_url: "https://github.com/mallory/infra" }],
    ["full_name", { full_name: "acme/production" }],
  ])("%s naming another repository: %j", (field, fields) => {
    expect(repositoryMismatch({ repository: { ...repository, ...fields } })).toContain(`repository.${field}`);
  });
});
