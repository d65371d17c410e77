import { buildMatcher } from "./aho-corasick.js";
import { MIN_SECRET, secretVariants } from "./secret-variants.js";
import { visibleViews } from "./visible-text.js";
import { longNeedle, longNeedleSpans } from "./two-way.js";

export const REDACTED = "[redacted]";

/** Redacts a text; `secrets` are the registered secrets (not their encodings), longest first. */
export interface Redactor {
  (text: string): string;
  readonly secrets: readonly string[];
  /** The caller's extra patterns (built-ins are always on), so a redactor can be extended. */
  readonly patterns: readonly RegExp[];
  /** Where it would redact `text` (start, end), for redactors made by createRedactor. */
  readonly spans?: (text: string) => [number, number][];
}

/**
 * A PEM private key that was base64-encoded whole, as Probot accepts `PRIVATE_KEY` and as
 * Kubernetes prints Secret data: the base64 of each common key header, then the rest of the run.
 */
const BASE64_KEY = new RegExp(
  `(?:${["RSA ", "EC ", "DSA ", "OPENSSH ", "ENCRYPTED ", ""]
    .map((kind) => {
      const header = Buffer.from(`-----BEGIN ${kind}PRIVATE KEY-----`).toString("base64");
      // Only characters that depend on the header alone: the last one mixes in the next byte.
      return header.slice(0, Math.floor(`-----BEGIN ${kind}PRIVATE KEY-----`.length / 3) * 4);
    })
    .join("|")})[A-Za-z0-9+/=]*`,
  "g",
);

/**
 * Built-in patterns, always on. When a pattern has a group `v`, only that group is redacted so the
 * reader still sees what kind of thing was there (`Authorization: Bearer [redacted]`).
 *
 * They run over tool output a pull request controls, so each must stay linear in the text: a
 * pattern may only start where its match could (the URL scheme at the start of a word, not inside
 * every letter run), and what it scans for a closing character is bounded. A quadratic pattern
 * here lets one long line in a plan stop the whole app.
 */
const BUILT_IN: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{36,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,}/g,
  // Credentials in URLs: x-access-token:TOKEN@host, and user:password@ in any scheme.
  /x-access-token:(?<v>[^@\s'":/]{1,2048})@/g,
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s/:@'"]{0,256}:(?<v>[^\s/@'"]{1,2048})@/g,
  // Header values, also in JSON/YAML dumps of headers.
  /authorization["']?\s*[:=]\s*["']?(?:token|bearer|basic)\s+(?<v>[^\s'",]+)/gi,
  // PEM private keys; an unterminated block (cut output) is redacted through its base64 body. The
  // search for the end stops at the next BEGIN, so a run of BEGIN lines is not searched again and again.
  /-----BEGIN[ A-Z0-9]*PRIVATE KEY-----(?:(?:(?!-----BEGIN)[\s\S]){0,16384}?-----END[ A-Z0-9]*PRIVATE KEY-----|[A-Za-z0-9+/=\s:,\\-]*)/g,
  BASE64_KEY,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /aws_secret_access_key["']?\s*[:=]\s*["']?(?<v>[A-Za-z0-9/+=]{40})/gi,
];

/** Redactors made here, which `extendRedactor` can rebuild instead of wrapping. */
const built = new WeakSet<Redactor>();

/**
 * What the matcher's trie holds at most, in code units of all needles together. Its tables are
 * arrays with an entry per code unit: past ~134M entries V8 stops the whole process (a fatal
 * "invalid size error", no exception), which a plan's sensitive values of some 15M characters
 * reached through their encodings. Needles past it, longest first, are found one by one (two-way.ts).
 */
const TRIE_BUDGET = 8 * 1024 * 1024;

/** The needles the trie takes (shortest first, within TRIE_BUDGET) and the rest. */
function splitNeedles(needles: readonly string[]): { trie: string[]; long: string[] } {
  const trie: string[] = [];
  const long: string[] = [];
  let total = 0;
  for (const needle of [...needles].sort((a, b) => a.length - b.length)) {
    if (total + needle.length <= TRIE_BUDGET) {
      trie.push(needle);
      total += needle.length;
    } else {
      long.push(needle);
    }
  }
  return { trie, long };
}

function globalCopy(pattern: RegExp): RegExp {
  const flags = new Set(pattern.flags);
  flags.add("g");
  flags.add("d");
  flags.delete("y");
  return new RegExp(pattern.source, [...flags].join(""));
}

/**
 * One redaction step for everything Sluice posts or logs. Every occurrence of every secret (and
 * its common encodings) and every pattern match becomes `[redacted]`. Overlapping or adjacent
 * matches are merged first, so two overlapping secrets leave no fragment of either behind.
 * Linear in the text: secrets go through one Aho-Corasick scan, patterns through one regex pass
 * each.
 */
export function createRedactor(opts: { secrets?: Iterable<string>; patterns?: RegExp[]; builtIn?: boolean } = {}): Redactor {
  const secrets = [...new Set(opts.secrets ?? [])]
    .filter((s) => typeof s === "string" && s.length >= MIN_SECRET)
    .sort((a, b) => b.length - a.length);
  const needles = splitNeedles([...new Set(secrets.flatMap(secretVariants))]);
  const matcher = needles.trie.length > 0 ? buildMatcher(needles.trie) : undefined;
  const long = needles.long.map(longNeedle);
  const userPatterns = [...(opts.patterns ?? [])];
  // builtIn false: a redactor chained after one that already applies them (see withSecrets).
  const patterns = [...(opts.builtIn === false ? [] : BUILT_IN), ...userPatterns].map(globalCopy);

  const found = (text: string): [number, number][] => {
    const spans: [number, number][] = [];
    // A match overlapping or touching the last one joins it: a short secret over a long run of its
    // characters ends a match at every position, one pair each (4M characters held ~360 MB).
    const push = (start: number, end: number) => {
      const last = spans[spans.length - 1];
      if (last && start <= last[1] && end >= last[0]) {
        last[0] = Math.min(last[0], start);
        last[1] = Math.max(last[1], end);
      } else spans.push([start, end]);
    };
    matcher?.scan(text, push);
    for (const needle of long) longNeedleSpans(text, needle, push);
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        const span = m.indices?.groups?.v ?? m.indices?.[0];
        if (span && span[1] > span[0]) push(span[0], span[1]);
        // An empty match would loop forever.
        if (m[0].length === 0) pattern.lastIndex++;
      }
    }
    return spans;
  };
  // A secret split by an escape or an invisible character is whole where the text is read (the
  // console's live log, a terminal): its span in the visible view covers what splits it too.
  const spansOf = (text: string): [number, number][] => {
    const spans = found(text);
    for (const seen of visibleViews(text)) {
      for (const [start, end] of found(seen.view)) spans.push([seen.at[start] as number, (seen.at[end - 1] as number) + 1]);
    }
    return spans;
  };
  const redact = (text: string): string => {
    const spans = spansOf(text);
    return spans.length === 0 ? text : replaceSpans(text, spans);
  };
  const redactor: Redactor = Object.assign(redact, { secrets, patterns: userPatterns, spans: spansOf });
  built.add(redactor);
  return redactor;
}

/**
 * A redactor that also hides `more` secrets (e.g. the values a plan marks sensitive). One pass
 * when `base` came from createRedactor; otherwise the extra secrets joined to `base` as
 * unionRedactor joins them (one merged pass when `base` can give its matches).
 */
export function extendRedactor(base: Redactor, more: Iterable<string>): Redactor {
  const extra = [...more].filter((s) => typeof s === "string" && s.length >= MIN_SECRET && !base.secrets.includes(s));
  if (extra.length === 0) return base;
  if (built.has(base)) return createRedactor({ secrets: [...base.secrets, ...extra], patterns: [...base.patterns] });
  return unionRedactor(createRedactor({ secrets: extra }), base);
}

/**
 * `first` and `second` as one redactor. Both made by createRedactor: one pass over the matches of
 * both, merged, so a match of one that overlaps a match of the other is hidden whole (run one
 * after the other, the first's `[redacted]` breaks up what the second would have matched: a job's
 * secret that contains a token a built-in pattern knows kept the rest of it). Otherwise `first`,
 * then `second`.
 */
export function unionRedactor(first: Redactor, second: Redactor): Redactor {
  const a = first.spans;
  const b = second.spans;
  const secrets = [...first.secrets, ...second.secrets];
  const patterns = [...first.patterns, ...second.patterns];
  if (!a || !b) return Object.assign((text: string) => second(first(text)), { secrets, patterns });
  const spans = (text: string) => [...a(text), ...b(text)];
  return Object.assign(
    (text: string) => {
      const found = spans(text);
      return found.length === 0 ? text : replaceSpans(text, found);
    },
    { secrets, patterns, spans },
  );
}

function replaceSpans(text: string, spans: [number, number][]): string {
  spans.sort((a, b) => a[0] - b[0]);
  let result = "";
  let copied = 0;
  let [start, end] = spans[0] as [number, number];
  for (let i = 1; i <= spans.length; i++) {
    const span = spans[i];
    // Adjacent spans merge too: "[redacted][redacted]" would only reveal that there were two.
    if (span && span[0] <= end) {
      end = Math.max(end, span[1]);
      continue;
    }
    result += text.slice(copied, start) + REDACTED;
    copied = end;
    if (span) [start, end] = span;
  }
  return result + text.slice(copied);
}
