import { describe, expect, it } from "vitest";
import { localStateInCheckout } from "../../runners/terraform/local-state-warning.js";

const checkoutDir = "/data/worktrees/acme__net/7/abc";
const projectDir = `${checkoutDir}/envs/net`;
const backend = (type: string, config: Record<string, unknown> = {}) => JSON.stringify({ version: 3, backend: { type, config } });

describe("localStateInCheckout", () => {
  it.each([
    ["no backend block (the local default)", undefined, "default", "envs/net/terraform.tfstate"],
    ["no backend block, another workspace", undefined, "staging", "envs/net/terraform.tfstate.d/staging/terraform.tfstate"],
    ["local backend, relative path", backend("local", { path: "state/net.tfstate" }), "default", "envs/net/state/net.tfstate"],
    ["local backend, path up to the repo root", backend("local", { path: "../../net.tfstate" }), "default", "net.tfstate"],
    ["local backend, absolute path inside", backend("local", { path: `${checkoutDir}/x.tfstate` }), "default", "x.tfstate"],
    [
      "local backend, workspace_dir",
      backend("local", { path: "/srv/state/x", workspace_dir: "ws" }),
      "prod",
      "envs/net/ws/prod/terraform.tfstate",
    ],
  ])("%s → warns about %s", (_label, state, workspace, expected) => {
    expect(localStateInCheckout({ backendState: state, projectDir, checkoutDir, workspace })).toBe(expected);
  });

  it.each([
    ["a local path outside the checkout", backend("local", { path: "/srv/state/net.tfstate" }), "default"],
    ["a local path that climbs out", backend("local", { path: "../../../../net.tfstate" }), "default"],
    ["a remote backend", backend("s3", { bucket: "b", key: "k" }), "default"],
    ["a remote backend, another workspace", backend("remote"), "prod"],
    ["unreadable backend state", "{not json", "default"],
  ])("%s → no warning", (_label, state, workspace) => {
    expect(localStateInCheckout({ backendState: state, projectDir, checkoutDir, workspace })).toBeUndefined();
  });
});
