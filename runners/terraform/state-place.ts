import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import type { PlanFileBackend, PlanFileRead } from "./plan-file-contents.js";

/** Where terraform keeps a project's state, as its backend (resolved at init) says. */
export type StatePlace =
  | { kind: "remote"; backend: string }
  /** The backend file could not be read: the read-back after an apply still protects it. */
  | { kind: "unknown" }
  | {
      kind: "local";
      /** The state file as the run sees it. */
      path: string;
      /** Relative to the checkout when it lies inside it (removed with the worktree). */
      inCheckout?: string;
      /** Outside the checkout: in a place whose writes outlive the run. */
      kept: boolean;
      /** In one of Sluice's own dirs (its data dir, its worktrees' dir), which Sluice clears: never kept. */
      inSluiceDir?: true;
    };

/** Whether `path` is `dir` or lies below it (both absolute); a child named `..x` lies below it. */
export const under = (dir: string, path: string): boolean => {
  const r = relative(dir, path);
  return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

/**
 * `backendState` is the text of TF_DATA_DIR/terraform.tfstate (the backend terraform
 * resolved at init, -backend-config included), absent when the configuration has no backend
 * block (the local default). `keptPaths`: where a sandboxed run's writes outlive it
 * (`sandbox_paths`); undefined when the run is not sandboxed (every write is kept but one in
 * `sluiceDirs`, Sluice's own data dir and worktrees' dir, whose plans and worktrees it removes). The
 * sandbox's private /tmp never is. The path is read as terraform opens it (physicalPath: the
 * links a PR commits or a run leaves are followed), never only as written.
 */
export function statePlace(input: {
  backendState?: string;
  projectDir: string;
  checkoutDir: string;
  workspace: string;
  keptPaths?: readonly string[];
  sluiceDirs?: readonly string[];
}): StatePlace {
  let backend: { type?: unknown; config?: Record<string, unknown> } | undefined;
  if (input.backendState !== undefined) {
    if (foldedKeys(input.backendState)) return { kind: "unknown" };
    try {
      backend = (JSON.parse(input.backendState) as { backend?: typeof backend }).backend ?? undefined;
    } catch {
      return { kind: "unknown" };
    }
  }
  if (backend && backend.type !== "local") {
    return typeof backend.type === "string" ? { kind: "remote", backend: backend.type } : { kind: "unknown" };
  }
  const config = backend?.config ?? {};
  const text = (v: unknown, fallback: string) => (typeof v === "string" && v.length > 0 ? v : fallback);
  const file =
    input.workspace === "default"
      ? text(config.path, "terraform.tfstate")
      : join(text(config.workspace_dir, "terraform.tfstate.d"), input.workspace, "terraform.tfstate");
  // Where terraform opens it: the kernel follows a link before the `..` after it (`lnk/../x`),
  // path.resolve drops both. Either in the checkout is in the checkout; kept only when both are.
  const written = resolve(input.projectDir, file);
  const path = physicalPath(input.projectDir, file);
  for (const [checkout, p] of [
    [input.checkoutDir, written],
    [realOr(input.checkoutDir), path],
  ] as const) {
    if (under(checkout, p)) return { kind: "local", path: p, inCheckout: relative(checkout, p), kept: false };
  }
  // A kept path is mounted over the private /tmp where it lies under it: its files outlive the run.
  const inAny = (dirs: readonly string[], p: string) => dirs.some((k) => under(k, p) || under(realOr(k), p));
  const sluices = inAny(input.sluiceDirs ?? [], written) || inAny(input.sluiceDirs ?? [], path);
  const keptAt = (p: string) => (input.keptPaths ? inAny(input.keptPaths, p) : true);
  const kept = !sluices && keptAt(written) && keptAt(path);
  // Kept in the sandbox, it is named as the config and the run name it (a kept dir mounted where
  // the host links it elsewhere); else where it goes (the run sees the host's links).
  return {
    kind: "local",
    path: kept && input.keptPaths !== undefined ? written : path,
    kept,
    ...(sluices ? { inSluiceDir: true as const } : {}),
  };
}

const realOr = (path: string): string => {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
};

/**
 * `file` under `base` as the kernel resolves it when terraform opens it: each component a link
 * is followed (a dangling one too: terraform creates its target) before the next, so a `..` after
 * a link climbs from the link's target; what does not exist is taken as written (terraform makes
 * the missing dirs). Past 40 links (the kernel's ELOOP) the rest is taken as written.
 */
export function physicalPath(base: string, file: string, budget = { links: 40 }): string {
  let at = isAbsolute(file) ? "/" : realOr(base);
  for (const part of file.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      at = dirname(at);
      continue;
    }
    const next = join(at, part);
    const target = budget.links > 0 ? linkTarget(next) : undefined;
    if (target !== undefined) budget.links--;
    at = target === undefined ? next : physicalPath(at, target, budget);
  }
  return at;
}

const linkTarget = (path: string): string | undefined => {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
};

/** What the plan comment says about the state's place: where it lives, or that it was not checked. */
export function describeStatePlace(place: StatePlace): string {
  if (place.kind === "remote") return `\`${place.backend}\` backend`;
  if (place.kind === "unknown") return "not known before the run (the backend could not be read); read back after each apply";
  return place.inCheckout !== undefined ? `local file \`${place.inCheckout}\` in the checkout` : `local file \`${place.path}\``;
}

/** Why a plan is refused: a local state the sandbox does not keep would be lost by the apply. */
export function stateRefusal(place: StatePlace): string | undefined {
  if (place.kind !== "local" || place.inCheckout !== undefined || place.kept) return undefined;
  if (place.inSluiceDir)
    return `state is a local file at \`${place.path}\`, in Sluice's own data (its data dir or worktrees' dir), whose plans and worktrees Sluice removes: an apply would lose it. Use a remote backend, or a local \`path\` in a directory of your own (listed in \`sandbox_paths\` while the sandbox is on).`;
  const where = under("/tmp", place.path) ? "the run's private /tmp" : "a path the sandbox does not mount";
  return `state is a local file at \`${place.path}\`, in ${where}: an apply would write it into the sandbox and lose it. Add its directory to \`sandbox_paths\` in the server config (or \`SLUICE_SANDBOX_PATHS\`), or use a remote backend.`;
}

export function localStateWarning(place: StatePlace, allowed: boolean): string | undefined {
  if (place.kind !== "local" || place.inCheckout === undefined) return undefined;
  return allowed
    ? `state is a local file inside the checkout (\`${place.inCheckout}\`): Sluice removes the checkout when the job ends, and this state with it (the server allows it: \`allow_checkout_state\`). Use a remote backend, or a local \`path\` in a directory the server lists in \`sandbox_paths\`.`
    : checkoutStateRefusal(place.inCheckout);
}

/** Why an apply is refused: its state would be written into the checkout and removed with it. */
export function checkoutStateRefusal(inCheckout: string): string {
  return `state is a local file inside the checkout (\`${inCheckout}\`): Sluice removes the checkout when the job ends, and this state with it, so an apply is refused. Use a remote backend, or a local \`path\` in a directory the server lists in \`sandbox_paths\`; a server whose states are meant to be thrown away sets \`allow_checkout_state: true\`.`;
}

/**
 * Why the backend file init left in TF_DATA_DIR (`backendState`, absent for the local default)
 * is not the backend the saved plan was made with, or undefined. `terraform apply` of a saved
 * plan writes the state where the plan's backend says, in the plan's workspace; the state
 * commands, the read-back after the apply and the place the comment names read the backend file,
 * which the plan's run could write. A plan made in another workspace than the project's would
 * apply to that workspace's state. The backends' settings are compared, never shown (a
 * `-backend-config` may hold a credential).
 */
export function backendFileDisagrees(plan: PlanFileBackend, backendState: string | undefined, workspace: string): string | undefined {
  if (plan.workspace !== workspace)
    return `the plan was made in workspace \`${plan.workspace}\`, not in the project's \`${workspace}\`: its apply would change that workspace's state`;
  let file: { type?: unknown; config?: unknown } = { type: "local", config: {} };
  if (backendState !== undefined) {
    try {
      file = (JSON.parse(backendState) as { backend?: typeof file }).backend ?? file;
    } catch {
      return "the backend file terraform init wrote (TF_DATA_DIR/terraform.tfstate) cannot be read as one";
    }
  }
  if (backendState !== undefined && foldedKeys(backendState))
    return "the backend file terraform init wrote (TF_DATA_DIR/terraform.tfstate) cannot be read as one";
  const named = typeof file.type === "string" ? `\`${file.type}\`` : "no backend";
  if (file.type !== plan.type)
    return `the backend file in TF_DATA_DIR names ${named}, but the plan file was made with the \`${plan.type}\` backend: the state would not be read back where the apply writes it`;
  const a = canonical(file.config ?? {});
  if (a === undefined || a !== canonical(plan.config))
    return `the \`${plan.type}\` backend's settings in TF_DATA_DIR are not those the plan file was made with: the state would not be read back where the apply writes it`;
  return undefined;
}

/** The keys of the backend file terraform decodes into its structs (Go's encoding/json). */
const FILE_KEYS = ["version", "terraform_version", "backend"];
const BACKEND_KEYS = ["type", "config", "hash"];
/** Go's case folding of a key: ASCII case, and the two non-ASCII letters that fold to `k` and `s`. */
const fold = (k: string) =>
  k
    .toLowerCase()
    .replace(/\u212a/g, "k")
    .replace(/\u017f/g, "s");

/**
 * Whether the backend file (`text`, JSON) has a key Go's encoding/json would take for one of its
 * fields that JSON.parse does not (`Config`, `BACKEND`, `haſh`): Go matches keys case-insensitively
 * and the last one wins, so terraform would read a backend the text compared here does not name.
 */
export function foldedKeys(text: string): boolean {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    return false;
  }
  const odd = (o: unknown, names: string[]) =>
    o !== null && typeof o === "object" && Object.keys(o).some((k) => !names.includes(k) && names.includes(fold(k)));
  if (odd(file, FILE_KEYS)) return true;
  const backend = (file as { backend?: unknown } | null)?.backend;
  return odd(backend, BACKEND_KEYS);
}

/**
 * Why the state would not be read back where the apply of the saved plan `file` writes it (its
 * backend, in the selected workspace), or undefined: backendFileDisagrees, then
 * workspaceFileDisagrees. A plan file that is not a local one (a saved cloud plan) has nothing to
 * compare: its own remote run applies it.
 */
export function stateGoesElsewhere(
  file: PlanFileRead,
  where: { tfDataDir: string; backendState: string | undefined; tfWorkspace: string | undefined; workspace: string },
): string | undefined {
  if (!file?.ok) return undefined;
  return (
    backendFileDisagrees(file.backend, where.backendState, where.workspace) ??
    workspaceFileDisagrees(where.tfDataDir, where.tfWorkspace, where.workspace)
  );
}

/**
 * The backend file init left in `tfDataDir` (a file the plan's run wrote: read as a PR's file,
 * never through a link, a FIFO or past its cap), once stateGoesElsewhere finds it names where the
 * saved plan's apply writes: its text (absent for the local default); `moved` when it does not;
 * `unreadable` when it cannot be read as a file, which says nothing of where the state goes.
 */
export function backendFileOfPlan(
  file: PlanFileRead,
  where: { tfDataDir: string; tfWorkspace: string | undefined; workspace: string },
): { backendState: string | undefined } | { moved: string } | { unreadable: string } {
  const backend = readCheckoutFile(where.tfDataDir, "terraform.tfstate");
  if (!backend.ok && backend.problem !== "missing") return { unreadable: backend.message };
  const backendState = backend.ok ? backend.text : undefined;
  const moved = stateGoesElsewhere(file, { ...where, backendState });
  return moved ? { moved } : { backendState };
}

/**
 * A value as stable text: object keys sorted, null attributes left out (the JSON and the msgpack
 * of one backend config agree on them), bytes as hex. Undefined past a depth no backend's settings reach.
 */
function canonical(v: unknown, depth = 0): string | undefined {
  if (depth > 32) return undefined;
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString("hex")}`;
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, depth + 1));
    return items.includes(undefined) ? undefined : `[${items.join(",")}]`;
  }
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(o).sort()) {
      if (o[k] === null || o[k] === undefined) continue;
      const c = canonical(o[k], depth + 1);
      if (c === undefined) return undefined;
      parts.push(`${JSON.stringify(k)}:${c}`);
    }
    return `{${parts.join(",")}}`;
  }
  return typeof v === "bigint" ? `${v}` : (JSON.stringify(v) ?? String(v));
}

/**
 * Why the workspace terraform selects when it runs is not the project's `workspace`, or
 * undefined. Terraform takes it from TF_WORKSPACE (`tfWorkspace`), else from TF_DATA_DIR/environment
 * (`environment`, its text; absent when there is none), else `default`; and a saved plan's
 * apply (Terraform 1.11) writes the state in that workspace, not in the one the plan file names.
 * A project of the default workspace runs without TF_WORKSPACE: an `environment` file the plan's
 * run wrote (TF_DATA_DIR is writable there) would choose where its apply writes, and where the
 * read-back and the state commands look. A name that is not a workspace's is not shown.
 */
export function selectedWorkspaceDisagrees(
  tfWorkspace: string | undefined,
  environment: string | undefined,
  workspace: string,
): string | undefined {
  const selected = tfWorkspace || (environment === undefined ? "" : goTrimSpace(environment)) || "default";
  if (selected === workspace) return undefined;
  const named = /^[A-Za-z0-9_.-]{1,90}$/.test(selected) ? `workspace \`${selected}\`` : "another workspace";
  return `TF_DATA_DIR selects ${named}, not the project's \`${workspace}\`: the apply would write that workspace's state`;
}

/** Go's unicode.IsSpace, as bytes.TrimSpace trims: not String.prototype.trim's (which trims U+FEFF and keeps U+0085). */
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");
const goTrimSpace = (text: string) => text.replace(GO_TRIM, "");

/** selectedWorkspaceDisagrees over the `environment` file of `tfDataDir`, read as a PR's file (one that cannot be read: said as such). */
export function workspaceFileDisagrees(tfDataDir: string, tfWorkspace: string | undefined, workspace: string): string | undefined {
  const environment = readCheckoutFile(tfDataDir, "environment");
  if (!environment.ok && environment.problem !== "missing")
    return `the workspace file terraform reads in TF_DATA_DIR cannot be read (${environment.message}): Sluice cannot tell which workspace the apply would write`;
  return selectedWorkspaceDisagrees(tfWorkspace, environment.ok ? environment.text : undefined, workspace);
}
