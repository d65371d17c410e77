import { realpath } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { resolveInside } from "../util/resolve-inside.js";

/**
 * A project's dir must be itself, not another dir under a second name: locks, plans and
 * trusted settings key by the dir, so `alias -> app` would reach app's state past app's lock.
 * Returns why the dir cannot be a project, or undefined when it is a real dir of the checkout.
 */
export async function projectDirProblem(checkoutDir: string, dir: string): Promise<string | undefined> {
  const inside = await resolveInside(checkoutDir, dir);
  if (!inside.ok) return inside.reason;
  const root = await realpath(checkoutDir);
  const actual = relative(root, inside.path).split(sep).join("/") || ".";
  if (actual === dir || inside.path === join(root, dir)) return undefined;
  return `\`${dir}\` is a symlink (to \`${actual}\`): a project's dir must be a real directory, so that its lock, plans and settings cannot be reached under another name`;
}
