import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { TgFile } from "../../src/model/project-tree.js";

/**
 * What a kept file is valid for: bumped whenever parseTerragruntHcl's output changes, so a parse
 * by an older Sluice is never taken for one of this version.
 */
export const PARSE_CACHE_FORMAT = "sluice-terragrunt-parses/5";

interface KeptParses {
  format: string;
  entries: [string, TgFile][];
}

const isTgFile = (v: unknown): v is TgFile =>
  typeof v === "object" &&
  v !== null &&
  Array.isArray((v as TgFile).refs) &&
  ((v as TgFile).error === undefined || typeof (v as TgFile).error === "string");

/**
 * The parses a previous process kept (see keepTerragruntParsesIn), by content hash. A file that
 * is missing, of another format or damaged gives none, with the reason (the parses are made again).
 */
export async function readKeptParses(file: string): Promise<{ parses: Map<string, TgFile>; problem?: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { parses: new Map(), problem: code === "ENOENT" ? undefined : `cannot read ${file}: ${code}` };
  }
  try {
    const kept = JSON.parse(text) as KeptParses;
    if (kept.format !== PARSE_CACHE_FORMAT)
      return { parses: new Map(), problem: `${file} is of format ${String(kept.format)}, not ${PARSE_CACHE_FORMAT}` };
    const parses = new Map<string, TgFile>();
    for (const entry of kept.entries) {
      if (Array.isArray(entry) && typeof entry[0] === "string" && isTgFile(entry[1])) parses.set(entry[0], entry[1]);
    }
    return { parses };
  } catch {
    return { parses: new Map(), problem: `${file} is not a complete parse cache` };
  }
}

/** Writes the parses whole, through a temporary file renamed over the old one (never half a file). */
export async function writeKeptParses(file: string, parses: ReadonlyMap<string, TgFile>): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const kept: KeptParses = { format: PARSE_CACHE_FORMAT, entries: [...parses] };
  try {
    await writeFile(tmp, JSON.stringify(kept), { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
