import { isAbsolute, join, relative, resolve } from "node:path";

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
    };

/** Whether `path` is `dir` or lies below it (both absolute). */
export const under = (dir: string, path: string): boolean => {
  const r = relative(dir, path);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

/**
 * Pure: `backendState` is the text of TF_DATA_DIR/terraform.tfstate (the backend terraform
 * resolved at init, -backend-config included), absent when the configuration has no backend
 * block (the local default). `keptPaths`: where a sandboxed run's writes outlive it
 * (`sandbox_paths`); undefined when the run is not sandboxed (every write is kept). The
 * sandbox's private /tmp never is.
 */
export function statePlace(input: {
  backendState?: string;
  projectDir: string;
  checkoutDir: string;
  workspace: string;
  keptPaths?: readonly string[];
}): StatePlace {
  let backend: { type?: unknown; config?: Record<string, unknown> } | undefined;
  if (input.backendState !== undefined) {
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
  const path = resolve(input.projectDir, file);
  if (under(input.checkoutDir, path)) return { kind: "local", path, inCheckout: relative(input.checkoutDir, path), kept: false };
  // A kept path is mounted over the private /tmp where it lies under it: its files outlive the run.
  const kept = input.keptPaths === undefined || input.keptPaths.some((p) => under(p, path));
  return { kind: "local", path, kept };
}

/** What the plan comment says about the state's place: where it lives, or that it was not checked. */
export function describeStatePlace(place: StatePlace): string {
  if (place.kind === "remote") return `\`${place.backend}\` backend`;
  if (place.kind === "unknown") return "not known before the run (the backend could not be read); read back after each apply";
  return place.inCheckout !== undefined ? `local file \`${place.inCheckout}\` in the checkout` : `local file \`${place.path}\``;
}

/** Why a plan is refused: a local state the sandbox does not keep would be lost by the apply. */
export function stateRefusal(place: StatePlace): string | undefined {
  if (place.kind !== "local" || place.inCheckout !== undefined || place.kept) return undefined;
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
