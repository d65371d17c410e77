import picomatch from "picomatch";
import { z } from "zod";

/**
 * Whether a list of globs covers a value: one of them matches and none of the `!` ones does.
 * Handed to picomatch as a list (or tried one by one), a `!` glob is one more alternative that
 * matches everything but what it names: `[acme/*, !acme/prod]` would cover acme/prod (through
 * acme/*) and every other owner's repositories too.
 */
export function globsCover(globs: readonly string[], value: string, opts: { nocase?: boolean } = { nocase: true }): boolean {
  const options = { nocase: opts.nocase ?? true, dot: true };
  const include = globs.filter((g) => !g.startsWith("!"));
  const exclude = globs.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
  return (
    include.length > 0 && picomatch.isMatch(value, include, options) && !(exclude.length > 0 && picomatch.isMatch(value, exclude, options))
  );
}

/**
 * A list of globs as globsCover reads it; one starting with `!` excludes what it matches from the
 * others. Exclusions alone would cover nothing: refused rather than read as "all but".
 */
export const globListSchema = z
  .array(
    z
      .string()
      .min(1)
      // No repository or branch name has a space: a glob with one around it matches nothing, so
      // `! acme/prod` would exclude nothing, in silence.
      .refine((g) => g.trim() === g && !/^!\s/.test(g), "a glob has no space at its ends or after its `!`")
      // picomatch throws on an empty pattern: a bare `!` would fail every check that reads the list.
      .refine((g) => g !== "!", "an exclusion has nothing after its `!`")
      // The second `!` would be picomatch's negation inside the exclusion: `!!acme/prod` excluded
      // every repository but acme/prod, where a reader (or another tool) takes it to include it.
      .refine((g) => !g.startsWith("!!"), "an exclusion has one `!`: `!!` is neither an exclusion nor an inclusion here"),
  )
  .refine((globs) => globs.length === 0 || globs.some((g) => !g.startsWith("!")), "an exclusion (!GLOB) needs a glob it narrows");

const OPENS: Record<string, string> = { "}": "{", "]": "[", ")": "(" };

/** Whether a glob's brackets (`{…}`, `[…]`, `(…)`) pair up; a `\` escapes the next character. */
function bracketsPair(glob: string): boolean {
  const open: string[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "\\") i++;
    else if (c === "{" || c === "[" || c === "(") open.push(c);
    else if (c in OPENS && open.pop() !== OPENS[c]) return false;
  }
  return open.length === 0;
}

/**
 * A list of globs over repositories (`owner/name`). picomatch reads a glob whose brackets do not
 * pair (`!acme/{prod`, a brace lost in editing) as plain text, and no repository name has a
 * bracket: it matches nothing, so such an exclusion excluded nothing (`[acme/*, !acme/{prod]`
 * covered acme/prod) without a word. Refused, naming the glob. (Branch names may hold a brace:
 * `trusted_branches` keeps globListSchema.)
 */
export const repoGlobListSchema = globListSchema.superRefine((globs, ctx) => {
  for (const [i, g] of globs.entries()) {
    if (!bracketsPair(g))
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `\`${g}\`: its brackets ({…}, […], (…)) do not pair, so it would be read as plain text and match no repository`,
      });
  }
});
