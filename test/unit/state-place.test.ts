import { describe, expect, it } from "vitest";
import { describeStatePlace, localStateWarning, statePlace, stateRefusal } from "../../runners/terraform/state-place.js";

const checkoutDir = "/data/worktrees/acme__net/7/abc";
const projectDir = `${checkoutDir}/envs/net`;
const backend = (type: string, config: Record<string, unknown> = {}) => JSON.stringify({ version: 3, backend: { type, config } });

describe("statePlace", () => {
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
  ])(
    "%s → in the checkout at %s: warned at plan that an apply is refused unless the server allows it",
    (_label, state, workspace, expected) => {
      const place = statePlace({ backendState: state, projectDir, checkoutDir, workspace, keptPaths: [] });
      expect(place).toMatchObject({ kind: "local", inCheckout: expected });
      expect(localStateWarning(place, false)).toContain(expected);
      expect(localStateWarning(place, false)).toContain("an apply is refused");
      expect(localStateWarning(place, false)).toContain("`allow_checkout_state: true`");
      expect(localStateWarning(place, true)).not.toContain("refused");
      expect(stateRefusal(place)).toBeUndefined();
    },
  );

  it("a local state under sandbox_paths is kept: neither warned nor refused", () => {
    const place = statePlace({
      backendState: backend("local", { path: "/srv/state/net.tfstate" }),
      projectDir,
      checkoutDir,
      workspace: "default",
      keptPaths: ["/srv/state"],
    });
    expect(place).toEqual({ kind: "local", path: "/srv/state/net.tfstate", kept: true });
    expect(stateRefusal(place)).toBeUndefined();
    expect(localStateWarning(place, false)).toBeUndefined();
    expect(describeStatePlace(place)).toBe("local file `/srv/state/net.tfstate`");
  });

  it.each([
    ["outside the checkout and sandbox_paths", { path: "/srv/other/net.tfstate" }, "a path the sandbox does not mount"],
    ["climbing out of the checkout", { path: "../../../../net.tfstate" }, "a path the sandbox does not mount"],
    ["in the run's private /tmp", { path: "/tmp/net.tfstate" }, "the run's private /tmp"],
    ["a prefix of a kept path is not inside it", { path: "/srv/state-old/net.tfstate" }, "a path the sandbox does not mount"],
  ])("a local state %s is refused with the setting that fixes it", (_label, config, where) => {
    const place = statePlace({
      backendState: backend("local", config),
      projectDir,
      checkoutDir,
      workspace: "default",
      keptPaths: ["/srv/state", "/tmp/x"],
    });
    const refusal = stateRefusal(place);
    expect(refusal).toContain(where);
    expect(refusal).toContain("`sandbox_paths`");
    // Control: the same file without a sandbox is kept on the host.
    expect(
      stateRefusal(statePlace({ backendState: backend("local", config), projectDir, checkoutDir, workspace: "default" })),
    ).toBeUndefined();
  });

  it.each([
    ["a remote backend", backend("s3", { bucket: "b", key: "k" }), "default", "`s3` backend"],
    ["a remote backend, another workspace", backend("remote"), "prod", "`remote` backend"],
    ["unreadable backend state", "{not json", "default", "not known before the run"],
  ])("%s → neither warned nor refused, and said", (_label, state, workspace, said) => {
    const place = statePlace({ backendState: state, projectDir, checkoutDir, workspace, keptPaths: [] });
    expect(stateRefusal(place)).toBeUndefined();
    expect(localStateWarning(place, false)).toBeUndefined();
    expect(describeStatePlace(place)).toContain(said);
  });
});
