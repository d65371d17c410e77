import { setFlagsFromString } from "node:v8";

// V8 has a second regexp engine that never backtracks (an automaton, as Go's RE2): `l` asks for
// it, and past a backtracking limit V8 runs an ordinary regexp again on it when it can. Both are
// off by default; they change no result, only how long a match may take.
setFlagsFromString("--enable-experimental-regexp-engine");
setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");

/**
 * A regexp from text a pull request wrote (its config's patterns), matched against text it also
 * wrote (its file names): V8 runs it as usual while it backtracks little, and on the linear engine
 * once it backtracks much, so `*a*a*a*a*a*b` against a long name of `a`s answers at once instead of
 * after hours. Undefined when V8 cannot run the source in linear time (a backreference, a
 * lookaround, `i`, a huge counted repetition) or when it does not compile: such a regexp could
 * still backtrack without end.
 */
export function linearRegExp(source: string): RegExp | undefined {
  try {
    // Only to ask whether the linear engine takes it (it throws if not); the fallback needs that.
    new RegExp(source, "l").test("");
    return new RegExp(source);
  } catch {
    return undefined;
  }
}
