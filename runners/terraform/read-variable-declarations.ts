import { readdir } from "node:fs/promises";
import { join, normalize, relative } from "node:path";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { hclParser } from "../terragrunt/parse-terragrunt-hcl.js";
import { findModuleSources, findModuleSourcesInJson, isLocalSource } from "./find-module-sources.js";
import {
  type FileVariables,
  mergeDeclarations,
  type VariableDeclaration,
  variablesInHcl,
  variablesInJson,
} from "./variable-declarations.js";

/** More local modules than a real configuration has: the walk stops there, and says so. */
const MAX_MODULE_DIRS = 200;

export type ModuleDeclarations =
  | {
      ok: true;
      /** The root module's variables, by name. */
      variables: Map<string, VariableDeclaration>;
      /** Each unmarking call or `terraform_data` read (see variablesInHcl) in the root module or a local module under it: `file: what`. */
      unmarking: string[];
    }
  | { ok: false; error: string };

const isTerraformFile = (name: string) => name.endsWith(".tf") || name.endsWith(".tf.json");

/**
 * What a terraform project's configuration declares, read from the checkout before any value
 * reaches it: its root module's variables (`dir`, relative to `checkoutDir`) and the unmarking
 * calls there and in every local module it calls, transitively. Modules from a registry or git
 * are not read (they are fetched by init, later).
 */
export async function readVariableDeclarations(checkoutDir: string, dir: string): Promise<ModuleDeclarations> {
  const parser = await hclParser();
  const unmarking: string[] = [];
  let root: Map<string, VariableDeclaration> | undefined;
  const seen = new Set<string>();
  const queue = [normalize(dir)];
  while (queue.length > 0) {
    const moduleDir = queue.shift() as string;
    if (seen.has(moduleDir)) continue;
    if (seen.size >= MAX_MODULE_DIRS) return { ok: false, error: `more than ${MAX_MODULE_DIRS} local modules under \`${dir}\`` };
    seen.add(moduleDir);
    let names: string[];
    try {
      names = (await readdir(join(checkoutDir, moduleDir))).filter(isTerraformFile).sort();
    } catch {
      if (moduleDir === normalize(dir)) return { ok: false, error: `\`${dir}\` cannot be read` };
      continue;
    }
    const files = new Map<string, Map<string, { sensitive?: boolean }>>();
    for (const name of names) {
      const path = join(moduleDir, name);
      const read = readCheckoutFile(checkoutDir, path);
      if (!read.ok) return { ok: false, error: read.message };
      const parsed: FileVariables = name.endsWith(".json") ? variablesInJson(read.text) : variablesInHcl(parser, read.text);
      if (!parsed.ok) return { ok: false, error: `\`${path}\` ${parsed.error}` };
      files.set(path, parsed.variables);
      unmarking.push(...parsed.unmarking.map((f) => `\`${path}\`: ${f.startsWith("terraform_data") ? f : `${f}()`}`));
      const sources = name.endsWith(".json") ? findModuleSourcesInJson(read.text) : findModuleSources(read.text);
      for (const source of sources.filter(isLocalSource)) {
        const next = normalize(join(moduleDir, source));
        // A module outside the checkout is not ours to read; terraform's init refuses what it cannot find.
        if (!relative(".", next).startsWith("..")) queue.push(next);
      }
    }
    root ??= mergeDeclarations(files);
  }
  return { ok: true, variables: root ?? new Map(), unmarking };
}
