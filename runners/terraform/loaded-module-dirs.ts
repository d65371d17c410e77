import { realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";

/** Where `terraform init` records every module it installed, under TF_DATA_DIR. */
export const MODULE_MANIFEST = "modules/modules.json";

/** More entries than any real configuration has: a manifest the run padded is cut here. */
const MAX_MODULES = 1000;

const manifestSchema = z.looseObject({
  Modules: z.array(z.looseObject({ Key: z.string().optional(), Source: z.string().optional(), Dir: z.string().optional() })),
});

/**
 * The `Dir` of every module in a module manifest, as written (relative to the root module's dir
 * for local sources): what Terraform resolved each `source` to, templates and odd spellings
 * included. Undefined when the text is not a manifest.
 */
export function manifestModuleDirs(text: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const dirs = parsed.data.Modules.map((m) => m.Dir).filter((d): d is string => typeof d === "string" && d !== "" && !d.includes("\0"));
  return [...new Set(dirs)].slice(0, MAX_MODULES);
}

/**
 * The repo dirs (POSIX, `.` = root) of the modules the plan run's `terraform init` loaded, read
 * from its module manifest. The run wrote that file, so it is read as hostile input: never through
 * a symlink, a FIFO or a device, at most 1 MiB, and only dirs that really resolve inside the
 * checkout are kept (a remote module's copy under the data dir, or a path out of the repo, is no
 * file of the repo). A missing or unreadable manifest gives [] (the HCL reading still counts).
 *
 * `projectDir` is the real path of the project's dir (where init ran).
 */
export async function loadedModuleDirs(tfDataDir: string, checkoutDir: string, projectDir: string): Promise<string[]> {
  const read = readCheckoutFile(tfDataDir, MODULE_MANIFEST);
  if (!read.ok) return [];
  const dirs = manifestModuleDirs(read.text) ?? [];
  let root: string;
  try {
    root = await realpath(checkoutDir);
  } catch {
    return [];
  }
  const inside = new Set<string>();
  for (const dir of dirs) {
    const real = await realpath(resolve(projectDir, dir)).catch(() => undefined);
    if (real === undefined) continue;
    const rel = relative(root, real);
    if (rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) continue;
    // The data dir may lie inside the checkout on some setups: a module copy there is no repo file.
    if (rel.split(sep).includes(".terraform")) continue;
    inside.add(rel === "" ? "." : rel.split(sep).join("/"));
  }
  return [...inside].sort();
}
