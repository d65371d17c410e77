import { createRedactor } from "../src/util/redact.js";
import { liveRedactor } from "./live-redactor.js";

/**
 * Why a plan's text never reaches the live log or the comment when its JSON could not be had (show
 * failed, timed out, printed more than is kept; no plan file where Sluice reads it): without it
 * the values to redact are unknown.
 */
export const PLAN_TEXT_WITHHELD =
  "The plan's output is withheld: only the plan's JSON (`show -json`) tells which of its values are sensitive, terraform prints some of them unmarked (a prior state's terraform_data `output`), and that JSON could not be had. Fix what failed (the plan's comment names it) and plan again.";

/**
 * Why a plan's errors and warnings never leave for a project given other projects' sensitive
 * outputs (`inputs_from`): over a `for_each` of (position, guess), which expressions fail on the
 * secret (`index()`, `regex()`, a `precondition`) or which `check` blocks warn spells it out in one
 * plan, in instance keys and block names no redaction knows (SECURITY.md, derived secrets).
 */
export const DIAGNOSTICS_WITHHELD =
  "The plan's output is withheld: this project takes sensitive outputs of other projects (`inputs_from`), and which of its expressions fail or warn on them can spell a secret out, many guesses in one plan. Its errors and warnings are not shown; read them where the secret may be seen (a plan run by someone allowed to see it).";

/** A failure's message followed by why the plan's text is not shown (PLAN_TEXT_WITHHELD, or another reason). */
export function withheldFailure(message: string, why = PLAN_TEXT_WITHHELD): string {
  return `${message}${/[.!?]$/.test(message.trimEnd()) ? "" : "."} ${why}`;
}

/**
 * A plan's output held back from the live log until the values the plan marks sensitive are
 * known (terraform prints some unmarked, and they are known only from its JSON), then released
 * once: redacted with `redact` (the job's secrets, for text not yet redacted) and with those
 * values, ending with a line end as any run's output does (liveRedactor's flush).
 */
export function heldOutput(emit: ((chunk: string) => void) | undefined, redact: (text: string) => string = (s) => s) {
  let held = "";
  return {
    hold(text: string): void {
      held += text;
    },
    /** Drops what was held, saying why in its place (PLAN_TEXT_WITHHELD: its secrets cannot be known). */
    withhold(why = PLAN_TEXT_WITHHELD): void {
      held = "";
      emit?.(`${why}\n`);
    },
    release(sensitiveValues: readonly string[] = []): void {
      if (!held) return;
      const text = held;
      held = "";
      const planValues = createRedactor({ secrets: sensitiveValues, builtIn: false });
      const live = liveRedactor((t) => planValues(redact(t)), emit ?? (() => undefined));
      live.push(text);
      live.flush();
    },
  };
}
