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
