import { isAbsolute, join, relative, resolve } from "node:path";

/**
 * Where terraform keeps this project's state, when that is a local file inside the checkout:
 * Sluice removes the checkout when the PR closes, and the state goes with it. Pure: `backendState`
 * is the text of TF_DATA_DIR/terraform.tfstate (the backend terraform resolved at init, including
 * -backend-config), absent when the configuration has no backend block (the local default).
 */
export function localStateInCheckout(input: {
  backendState?: string;
  projectDir: string;
  checkoutDir: string;
  workspace: string;
}): string | undefined {
  let backend: { type?: unknown; config?: Record<string, unknown> } | undefined;
  if (input.backendState !== undefined) {
    try {
      backend = (JSON.parse(input.backendState) as { backend?: typeof backend }).backend ?? undefined;
    } catch {
      return undefined;
    }
  }
  if (backend && backend.type !== "local") return undefined;
  const config = backend?.config ?? {};
  const text = (v: unknown, fallback: string) => (typeof v === "string" && v.length > 0 ? v : fallback);
  const file =
    input.workspace === "default"
      ? text(config.path, "terraform.tfstate")
      : join(text(config.workspace_dir, "terraform.tfstate.d"), input.workspace, "terraform.tfstate");
  const path = resolve(input.projectDir, file);
  const inside = relative(input.checkoutDir, path);
  if (inside.startsWith("..") || isAbsolute(inside)) return undefined;
  return inside;
}

export function localStateWarning(relativePath: string): string {
  return `state is a local file inside the checkout (\`${relativePath}\`): Sluice removes the checkout when the pull request closes, and this state with it. Use a remote backend, or a local \`path\` in a directory the server lists in \`sandbox_paths\`.`;
}
