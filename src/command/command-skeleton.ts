// Characters that render like the ASCII ones our keywords use but that Unicode normalization does
// not map to them. Small on purpose: only what can spell `/plan`, `/apply`, `/unlock`, `/help`,
// `sluice` and `atlantis`.
const CONFUSABLES: ReadonlyMap<string, string> = new Map([
  ["\u2215", "/"], // division slash
  ["\u2044", "/"], // fraction slash
  ["\u29F8", "/"], // big solidus
  ["\u2571", "/"], // box drawings diagonal
  ["\u27CB", "/"], // mathematical rising diagonal
  ["\u0430", "a"], // Cyrillic а
  ["\u0435", "e"], // Cyrillic е
  ["\u043E", "o"], // Cyrillic о
  ["\u0440", "p"], // Cyrillic р
  ["\u0441", "c"], // Cyrillic с
  ["\u0443", "y"], // Cyrillic у
  ["\u0456", "i"], // Cyrillic і
  ["\u0455", "s"], // Cyrillic ѕ
  ["\u04BB", "h"], // Cyrillic һ
  ["\u04CF", "l"], // Cyrillic ӏ
  ["\u043A", "k"], // Cyrillic к
  ["\u03BF", "o"], // Greek ο
  ["\u03B1", "a"], // Greek α
  ["\u03B9", "i"], // Greek ι
  ["\u03BA", "k"], // Greek κ
  ["\u03C1", "p"], // Greek ρ
  ["\u03C5", "u"], // Greek υ
  ["\u0131", "i"], // dotless ı
  ["\u0251", "a"], // Latin alpha ɑ
  ["\u01C0", "l"], // dental click ǀ
  ["\u0578", "n"], // Armenian ո
  ["\u057D", "u"], // Armenian ս
  ["\u0585", "o"], // Armenian օ
]);

const INVISIBLE_OR_MARK = /[\p{M}\p{Cf}\p{Cc}]/gu;

/**
 * What a word looks like once width variants, accents, invisible characters, lookalike letters and
 * case are folded away. Only used to give a hint when someone typed something that *looks* like a
 * command; never to accept one.
 */
export function commandSkeleton(word: string): string {
  const folded = word.normalize("NFKD").replace(INVISIBLE_OR_MARK, "");
  let out = "";
  for (const ch of folded) out += CONFUSABLES.get(ch) ?? ch;
  return out.toLowerCase();
}
