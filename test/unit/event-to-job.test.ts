import { describe, expect, it } from "vitest";
import { eventToJob, type IngressSettings } from "../../src/ingress/event-to-job.js";

const comment = (body: string) => ({
  action: "created",
  installation: { id: 1 },
  repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
  sender: { login: "bob", type: "User" },
  issue: { number: 7, pull_request: {} },
  comment: { id: 99, body, user: { login: "bob", type: "User" } },
});
const kindOf = (body: string, settings: IngressSettings) => {
  const d = eventToJob("issue_comment", comment(body), settings);
  return "job" in d ? d.job.spec.kind : `ignored: ${d.ignore}`;
};

describe("eventToJob and the server's atlantis_prefix", () => {
  it.each<[IngressSettings["atlantisPrefix"], string, string]>([
    [undefined, "atlantis plan", "plan"],
    ["with-atlantis-yaml", "atlantis apply -p x", "apply"],
    ["with-atlantis-yaml", "atlantis help", "ignored: `atlantis help` is left to Atlantis"],
    ["always", "atlantis help", "reply"],
    ["always", "atlantis unlock", "unlock"],
    ["never", "atlantis plan", "ignored: comment is not a command"],
    ["never", "/plan", "plan"],
  ])("%s: %s -> %s", (atlantisPrefix, body, expected) => {
    expect(kindOf(body, { autoplanDrafts: false, atlantisPrefix })).toBe(expected);
  });
});
