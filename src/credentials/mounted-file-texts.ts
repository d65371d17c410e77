import { lstatSync, readdirSync, readFileSync, type Stats } from "node:fs";
import { join } from "node:path";

/** File contents up to this size are redacted too (a credentials file); larger ones are not text secrets. */
export const REDACT_FILE_MAX = 64 * 1024;
/** Bounds on a mounted directory's walk: a credentials dir (`~/.aws`, a gcloud config) is small. */
const MAX_FILES = 200;
const MAX_DEPTH = 6;

/**
 * The texts of what a credentials set mounts into a run, for its redaction: the file, or each
 * regular file of the directory (nested ones too: `~/.aws/sso/cache/*.json`), up to the bounds.
 * The run reads every one of them, and can print any.
 */
export function mountedFileTexts(source: string, st: Stats): string[] {
  if (st.isFile()) return st.size <= REDACT_FILE_MAX ? [readFileSync(source, "utf8")] : [];
  if (!st.isDirectory()) return [];
  const texts: string[] = [];
  let level = [source];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0 && texts.length < MAX_FILES; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const e of entries(dir)) {
        const path = join(dir, e.name);
        // Dirent says "directory" or "file" only for a real one: a link is not followed.
        if (e.isDirectory()) next.push(path);
        else if (e.isFile() && texts.length < MAX_FILES) {
          const text = smallText(path);
          if (text !== undefined) texts.push(text);
        }
      }
    }
    level = next;
  }
  return texts;
}

/** A dir the server cannot list gives nothing more (the run cannot read it either). */
const entries = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
};

const smallText = (path: string): string | undefined => {
  try {
    return lstatSync(path).size <= REDACT_FILE_MAX ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
};
