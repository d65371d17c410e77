import { createContext, Script } from "node:vm";

const script = new Script("re.test(text)");
const context = createContext({ re: /^$/, text: "" });

/**
 * `re.test(text)`, given at most `ms` milliseconds: undefined past them. For a regexp written by a
 * pull request (Atlantis' `branch`), which JavaScript, unlike Go's regexp, may backtrack on for
 * ever; a synchronous match cannot be left otherwise, and it would hold the job thread.
 */
export function regexpTestWithin(re: RegExp, text: string, ms: number): boolean | undefined {
  context.re = re;
  context.text = text;
  try {
    return script.runInContext(context, { timeout: ms }) === true;
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return undefined;
    throw e;
  } finally {
    context.re = /^$/;
    context.text = "";
  }
}
