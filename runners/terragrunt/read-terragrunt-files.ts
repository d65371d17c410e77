import { createHash } from "node:crypto";
import type { TgFile } from "../../src/model/project-tree.js";
import { isIgnoredPath } from "../../src/util/repo-path.js";
import { readKeptParses, writeKeptParses } from "./parse-cache-file.js";
import { NOT_PARSED, newReadBudget, type ReadBudget, readBudgetSpent } from "./parse-budget.js";
import { type ParseHere, parseInPool, POOL_MIN_FILES } from "./parse-pool.js";
import { type HclParser, hclParser, parseTerragruntHcl, TOO_SLOW_TO_PARSE } from "./parse-terragrunt-hcl.js";

/** Parsed files kept by content: a monorepo's next pull request re-parses only what changed. */
const CACHE_LIMIT = 50_000;
const cache = new Map<string, TgFile>();

/** Kept for its importers: the budget itself lives beside the parse (parse-budget.ts). */
export { PARSE_BUDGET_PER_READ_MS } from "./parse-budget.js";

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
 * Many files not parsed before (a new server's first read of a monorepo) are parsed side by side
 * on the parse pool's worker threads (`poolMinFiles` or more; tests and benchmarks set it); a few
 * on this thread, `yieldEvery` files between returns to the event loop. The output keeps the order
 * of `texts`.
 */
export async function readTerragruntFiles(
  texts: ReadonlyMap<string, string>,
  { yieldEvery = 256, poolMinFiles = POOL_MIN_FILES }: { yieldEvery?: number; poolMinFiles?: number } = {},
): Promise<Map<string, TgFile>> {
  await loadKept();
  const found = new Map<string, TgFile>();
  const todo: { key: string; text: string }[] = [];
  // Paths whose content is parsed in this read, by the index of that content in `todo` (a text
  // copied into many dirs is parsed once).
  const waiting = new Map<string, number>();
  const byKey = new Map<string, number>();
  // Smallest first: a commit's huge files cannot spend the budget its real units need.
  for (const [path, text] of [...texts].sort(([, a], [, b]) => a.length - b.length)) {
    // SHA-256: a PR must not be able to make a file of its own collide with another's key.
    const key = createHash("sha256").update(text).digest("base64");
    const known = cache.get(key) ?? (tooSlow.has(key) ? { refs: [], error: TOO_SLOW_TO_PARSE } : undefined);
    if (known) found.set(path, known);
    else {
      let at = byKey.get(key);
      if (at === undefined) {
        at = todo.push({ key, text }) - 1;
        byKey.set(key, at);
      }
      waiting.set(path, at);
    }
  }
  const read = newReadBudget();
  const textsToParse = todo.map((t) => t.text);
  const hcl = await hclParser();
  const here: ParseHere = (batch, r) => parseBatch(hcl, batch, r);
  const parses =
    textsToParse.length >= poolMinFiles
      ? await parseInPool(textsToParse, read, { here })
      : await parseHere(here, textsToParse, read, yieldEvery);
  let parsedNew = false;
  for (const [path, at] of waiting) found.set(path, parses[at] as TgFile);
  todo.forEach(({ key }, i) => {
    const parsed = parses[i] as TgFile;
    if (parsed.error === TOO_SLOW_TO_PARSE) {
      if (tooSlow.size < TOO_SLOW_LIMIT) tooSlow.add(key);
    } else if (parsed.error !== NOT_PARSED) {
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(key, parsed);
      parsedNew = true;
    }
  });
  if (parsedNew) keepSoon();
  return new Map([...texts.keys()].map((path) => [path, found.get(path) as TgFile]));
}

/** Parses on this thread, in order, within the read's budget. */
async function parseHere(here: ParseHere, texts: string[], read: ReadBudget, yieldEvery: number): Promise<TgFile[]> {
  const parses: TgFile[] = [];
  for (let i = 0; i < texts.length; i += yieldEvery) {
    parses.push(...here(texts.slice(i, i + yieldEvery), read));
    if (i + yieldEvery < texts.length) await new Promise((r) => setImmediate(r));
  }
  return parses;
}

/** Parses a batch in order; once the read's budget is spent, the files left are not parsed (said so). */
export function parseBatch(hcl: HclParser, texts: readonly string[], read: ReadBudget): TgFile[] {
  return texts.map((text) => (readBudgetSpent(read) ? { refs: [], error: NOT_PARSED } : parseTerragruntHcl(hcl, text, undefined, read)));
}

/** Forgets parsed files as a restart does (benchmarks measure a cold start): the kept file is read again at the next discovery. */
export function clearTerragruntParseCache(): void {
  cache.clear();
  tooSlow.clear();
  if (kept) kept.loaded = undefined;
}
