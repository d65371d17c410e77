import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  backendFileDisagrees,
  describeStatePlace,
  localStateWarning,
  selectedWorkspaceDisagrees,
  statePlace,
  stateRefusal,
} from "../../runners/terraform/state-place.js";

const checkoutDir = "/data/worktrees/acme__net/7/abc";
const projectDir = `${checkoutDir}/envs/net`;
const backend = (type: string, config: Record<string, unknown> = {}) => JSON.stringify({ version: 3, backend: { type, config } });
/** Sluice's own dirs as the sandbox settings give them: the data dir and SLUICE_WORKTREE_DIR's. */
const sluiceDirs = ["/data", "/dev/shm/sluice/sluice-abc"];
/** Where a local backend at `path` keeps the state, with the sandbox off (no keptPaths). */
const unsandboxedAt = (path: string) =>
  statePlace({ backendState: backend("local", { path }), projectDir, checkoutDir, workspace: "default", sluiceDirs });

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
    ["the data dir's plans", "/data/plans/acme__net/7/net-default-1/x.tfstate"],
    ["another PR's worktree", "/data/worktrees/acme__net/8/def/net.tfstate"],
    ["the worktrees' dir of SLUICE_WORKTREE_DIR", "/dev/shm/sluice/sluice-abc/worktrees/acme__net/9/x.tfstate"],
  ])("with the sandbox off, a local state in %s (Sluice's own, which it clears) is refused, not kept", (_where, path) => {
    // No keptPaths: the run is not sandboxed, so every other path outside the checkout is kept.
    const place = unsandboxedAt(path);
    expect(place).toEqual({ kind: "local", path, kept: false, inSluiceDir: true });
    expect(stateRefusal(place)).toContain("in Sluice's own data (its data dir or worktrees' dir)");
    // Control: a path of the operator's own is kept.
    const elsewhere = unsandboxedAt("/srv/state/net.tfstate");
    expect(elsewhere).toEqual({ kind: "local", path: "/srv/state/net.tfstate", kept: true });
    expect(stateRefusal(elsewhere)).toBeUndefined();
  });

  it("a dir whose name starts with `..` is inside its parent: a state there is in Sluice's dir, or in the checkout", () => {
    // path.relative gives `..x/net.tfstate`: read as climbing out, the state counted kept with the sandbox off.
    const path = "/dev/shm/sluice/sluice-abc/..x/net.tfstate";
    expect(unsandboxedAt(path)).toEqual({ kind: "local", path, kept: false, inSluiceDir: true });
    const checkout = unsandboxedAt(`${checkoutDir}/..x/net.tfstate`);
    expect(checkout).toMatchObject({ kind: "local", inCheckout: "..x/net.tfstate", kept: false });
    // Control: `..` itself still climbs out.
    const parent = unsandboxedAt("/dev/shm/sluice/net.tfstate");
    expect(parent).toEqual({ kind: "local", path: "/dev/shm/sluice/net.tfstate", kept: true });
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

describe("backendFileDisagrees: the backend file must name the saved plan's backend", () => {
  const s3 = { bucket: "states", key: "net.tfstate", region: null, access_key: "AKIA-SECRET-VALUE" };
  const plan = { type: "s3", config: s3, workspace: "default" };
  const fileOf = (type: string, config: Record<string, unknown>) => JSON.stringify({ version: 3, backend: { type, config, hash: 1 } });

  it("the same backend matches: its settings in any order, unset ones null on either side", () => {
    const reordered = { region: null, key: "net.tfstate", access_key: "AKIA-SECRET-VALUE", bucket: "states", profile: null };
    expect(backendFileDisagrees(plan, fileOf("s3", reordered), "default")).toBeUndefined();
    // No backend block: no backend file, and the plan names the local backend with nothing set.
    expect(
      backendFileDisagrees({ type: "local", config: { path: null, workspace_dir: null }, workspace: "default" }, undefined, "default"),
    ).toBeUndefined();
  });

  it("another type, other settings or another workspace is said, the settings' values never", () => {
    const local = backendFileDisagrees(
      { type: "local", config: { path: "/tmp/lost.tfstate" }, workspace: "default" },
      fileOf("s3", s3),
      "default",
    );
    expect(local).toBe(
      "the backend file in TF_DATA_DIR names `s3`, but the plan file was made with the `local` backend: the state would not be read back where the apply writes it",
    );
    const otherKey = backendFileDisagrees(plan, fileOf("s3", { ...s3, key: "prod.tfstate" }), "default");
    expect(otherKey).toBe(
      "the `s3` backend's settings in TF_DATA_DIR are not those the plan file was made with: the state would not be read back where the apply writes it",
    );
    for (const said of [local, otherKey]) {
      expect(said).not.toContain("AKIA");
      expect(said).not.toContain("prod.tfstate");
    }
    // A local path set in the plan but not in the file (the local default) differs too.
    expect(
      backendFileDisagrees({ type: "local", config: { path: "/tmp/x.tfstate" }, workspace: "default" }, undefined, "default"),
    ).toContain("settings");
    expect(backendFileDisagrees({ ...plan, workspace: "production" }, fileOf("s3", s3), "staging")).toBe(
      "the plan was made in workspace `production`, not in the project's `staging`: its apply would change that workspace's state",
    );
    expect(backendFileDisagrees(plan, "{not json", "default")).toBe(
      "the backend file terraform init wrote (TF_DATA_DIR/terraform.tfstate) cannot be read as one",
    );
  });
});

describe("selectedWorkspaceDisagrees", () => {
  it("takes TF_WORKSPACE first, then the environment file (trimmed), then default", () => {
    expect(selectedWorkspaceDisagrees(undefined, undefined, "default")).toBeUndefined();
    expect(selectedWorkspaceDisagrees(undefined, "default\n", "default")).toBeUndefined();
    expect(selectedWorkspaceDisagrees(undefined, " \n", "default")).toBeUndefined();
    expect(selectedWorkspaceDisagrees("staging", "decoy", "staging")).toBeUndefined();
    expect(selectedWorkspaceDisagrees(undefined, "decoy", "default")).toBe(
      "TF_DATA_DIR selects workspace `decoy`, not the project's `default`: the apply would write that workspace's state",
    );
    expect(selectedWorkspaceDisagrees("", "decoy", "default")).toContain("workspace `decoy`");
  });

  it("never shows a name that is not a workspace's (the file is the PR's)", () => {
    const m = selectedWorkspaceDisagrees(undefined, "`x` AKIA-secret value\n", "default");
    expect(m).toBe("TF_DATA_DIR selects another workspace, not the project's `default`: the apply would write that workspace's state");
  });
});

describe("a backend file with keys Go reads case-insensitively", () => {
  const plan = { type: "local", config: { path: "/srv/real.tfstate", workspace_dir: null }, workspace: "default" };
  const file = (backend: Record<string, unknown>, top: Record<string, unknown> = {}) =>
    JSON.stringify({
      version: 3,
      backend: { type: "local", config: { path: "/srv/real.tfstate", workspace_dir: null }, hash: 1, ...backend },
      ...top,
    });

  it("is refused: terraform would take the last of `config` and `Config` (or `haſh`, `BACKEND`)", () => {
    const refused = "the backend file terraform init wrote (TF_DATA_DIR/terraform.tfstate) cannot be read as one";
    expect(backendFileDisagrees(plan, file({ Config: { path: "/decoy" } }), "default")).toBe(refused);
    expect(backendFileDisagrees(plan, file({ TYPE: "s3" }), "default")).toBe(refused);
    expect(backendFileDisagrees(plan, file({ "ha\u017fh": 2 }), "default")).toBe(refused);
    expect(backendFileDisagrees(plan, file({}, { Backend: { type: "local", config: { path: "/decoy" } } }), "default")).toBe(refused);
    expect(
      statePlace({ backendState: file({ Config: { path: "/decoy" } }), projectDir: "/c/p", checkoutDir: "/c", workspace: "default" }),
    ).toEqual({
      kind: "unknown",
    });
  });

  it("control: the file as init writes it, and keys Go does not read, agree", () => {
    expect(backendFileDisagrees(plan, file({}), "default")).toBeUndefined();
    expect(backendFileDisagrees(plan, file({ other: 1 }, { serial: 0 }), "default")).toBeUndefined();
  });
});

describe("the environment file trimmed as terraform (Go's bytes.TrimSpace) trims it", () => {
  it("a BOM is no space to Go: `\\uFEFFdefault` is another workspace", () => {
    expect(selectedWorkspaceDisagrees(undefined, "\uFEFFdefault", "default")).toBe(
      "TF_DATA_DIR selects another workspace, not the project's `default`: the apply would write that workspace's state",
    );
  });

  it("control: U+0085 and U+00A0 are spaces to Go", () => {
    expect(selectedWorkspaceDisagrees(undefined, "\u0085default\u00a0\n", "default")).toBeUndefined();
  });
});

describe("statePlace reads the path as terraform opens it (links followed)", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-state-place-links-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const checkout = join(root, "co");
  const project = join(checkout, "net");
  const kept = join(root, "kept");
  mkdirSync(join(project, "d1/d2"), { recursive: true });
  mkdirSync(kept, { recursive: true });
  symlinkSync("d1/d2", join(project, "lnk"));
  // A run left a dangling link in the kept dir, into the checkout: terraform creates its target.
  symlinkSync(join(checkout, "planted.tfstate"), join(kept, "planted.tfstate"));
  symlinkSync("loop", join(kept, "loop"));
  const place = (path: string) =>
    statePlace({
      backendState: backend("local", { path }),
      projectDir: project,
      checkoutDir: checkout,
      workspace: "default",
      keptPaths: [kept],
    });

  it.each([
    ["a `..` after a link climbs from its target", "lnk/../../../kept/x.tfstate", "kept/x.tfstate"],
    ["a dangling link in the kept dir", `${kept}/planted.tfstate`, "planted.tfstate"],
  ])("%s: in the checkout", (_label, path, inCheckout) => {
    expect(place(path)).toMatchObject({ kind: "local", inCheckout });
  });

  it("control: the same `..`s through a plain dir, and a link loop, stay in the kept dir", () => {
    expect(place("d1/../../../kept/x.tfstate")).toEqual({ kind: "local", path: join(kept, "x.tfstate"), kept: true });
    expect(place(`${kept}/loop`)).toMatchObject({ kind: "local", kept: true });
  });

  it("control: a kept dir that is a link on the host (sandbox_paths names the link) is kept, named as configured", () => {
    const linked = join(root, "kept-link");
    symlinkSync(kept, linked);
    const at = statePlace({
      backendState: backend("local", { path: `${linked}/x.tfstate` }),
      projectDir: project,
      checkoutDir: checkout,
      workspace: "default",
      keptPaths: [linked],
    });
    expect(at).toEqual({ kind: "local", path: join(linked, "x.tfstate"), kept: true });
  });
});
