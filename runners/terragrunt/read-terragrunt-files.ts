import { createHash } from "node:crypto";
import type { TgFile } from "../../src/model/project-tree.js";
import { isIgnoredPath } from "../../src/util/repo-path.js";
import { readKeptParses, writeKeptParses } from "./parse-cache-file.js";
import { hclParser, parseTerragruntHcl, TOO_SLOW_TO_PARSE } from "./parse-terragrunt-hcl.js";

/** Parsed files kept by content: a monorepo's next pull request re-parses only what changed. */
const CACHE_LIMIT = 50_000;
const cache = new Map<string, TgFile>();

/**
 * All the parsing one read of a commit may do on the server's thread (each file has its own
 * budget, PARSE_BUDGET_MS): past it, the files left get an error instead of a parse, and a later
 * read parses them. 6,000 real units take about 1 s.
 */
export const PARSE_BUDGET_PER_READ_MS = 6_000;
const NOT_PARSED = `not parsed: this commit's Terragrunt files took more than ${PARSE_BUDGET_PER_READ_MS / 1000} s to parse in all (Sluice stops there): not followed`;

/** Contents whose parse ran past its budget, by key: in memory only, so a restart tries again. */
const tooSlow = new Set<string>();
const TOO_SLOW_LIMIT = 10_000;

/** How long after new parses the kept file is written (a burst of PRs writes it once). */
const KEEP_AFTER_MS = 2_000;

/**
 * Where the parses outlive the process (the data dir): the first PR after a restart parses only
 * what changed since. Read once, at the first discovery; written after new parses.
 */
let kept: { file: string; loaded?: Promise<void>; timer?: NodeJS.Timeout; onProblem: (message: string) => void } | undefined;

export function keepTerragruntParsesIn(file: string, onProblem: (message: string) => void): void {
  if (kept?.timer) clearTimeout(kept.timer);
  kept = { file, onProblem };
}

function loadKept(): Promise<void> {
  if (!kept) return Promise.resolve();
  const k = kept;
  k.loaded ??= readKeptParses(k.file).then(({ parses, problem }) => {
    if (problem) k.onProblem(`Terragrunt parses not taken from the last run (they are made again): ${problem}`);
    for (const [key, parsed] of parses) if (!cache.has(key) && cache.size < CACHE_LIMIT) cache.set(key, parsed);
  });
  return k.loaded;
}

function keepSoon(): void {
  const k = kept;
  if (!k || k.timer) return;
  k.timer = setTimeout(() => {
    k.timer = undefined;
    writeKeptParses(k.file, cache).catch((e: unknown) =>
      k.onProblem(`Terragrunt parses not kept for the next start: ${(e as NodeJS.ErrnoException).code ?? String(e)}`),
    );
  }, KEEP_AFTER_MS);
  k.timer.unref();
}

/** Writes the kept parses now (a benchmark's restart; a test). */
export async function flushKeptTerragruntParses(): Promise<void> {
  if (!kept) return;
  if (kept.timer) clearTimeout(kept.timer);
  kept.timer = undefined;
  await writeKeptParses(kept.file, cache);
}

/** The `.hcl` files Terragrunt configuration may live in (lock files and tool caches are not). */
export function isTerragruntConfigFile(path: string): boolean {
  return path.endsWith(".hcl") && !path.endsWith(".terraform.lock.hcl") && !path.includes(".terragrunt-cache/") && !isIgnoredPath(path);
}

/**
 * Parses each file once per content (HCL2, tree-sitter's grammar); a file that is not valid HCL
 * carries its error, so the plan comment can say which unit's configuration could not be followed.
 * `yieldEvery`: files parsed between returns to the event loop.
 */
export async function readTerragruntFiles(texts: ReadonlyMap<string, string>, yieldEvery = 256): Promise<Map<string, TgFile>> {
  const parser = await hclParser();
  await loadKept();
  const found = new Map<string, TgFile>();
  let n = 0;
  let parsedNew = false;
  let spent = 0;
  // Smallest first: a commit's huge files cannot spend the budget its real units need.
  for (const [path, text] of [...texts].sort(([, a], [, b]) => a.length - b.length)) {
    // SHA-256: a PR must not be able to make a file of its own collide with another's key.
    const key = createHash("sha256").update(text).digest("base64");
    let parsed = cache.get(key) ?? (tooSlow.has(key) ? { refs: [], error: TOO_SLOW_TO_PARSE } : undefined);
    if (!parsed && spent >= PARSE_BUDGET_PER_READ_MS) parsed = { refs: [], error: NOT_PARSED };
    if (!parsed) {
      const started = performance.now();
      parsed = parseTerragruntHcl(parser, text);
      spent += performance.now() - started;
      if (parsed.error === TOO_SLOW_TO_PARSE) {
        if (tooSlow.size < TOO_SLOW_LIMIT) tooSlow.add(key);
      } else {
        if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
        cache.set(key, parsed);
        parsedNew = true;
      }
    }
    found.set(path, parsed);
    if (++n % yieldEvery === 0) await new Promise((r) => setImmediate(r));
  }
  if (parsedNew) keepSoon();
  return new Map([...texts.keys()].map((path) => [path, found.get(path) as TgFile]));
}

/** Forgets parsed files as a restart does (benchmarks measure a cold start): the kept file is read again at the next discovery. */
export function clearTerragruntParseCache(): void {
  cache.clear();
  tooSlow.clear();
  if (kept) kept.loaded = undefined;
}
