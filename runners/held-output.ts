import { createRedactor } from "../src/util/redact.js";
import { liveRedactor } from "./live-redactor.js";

/**
 * Why a plan's text never reaches the live log or the comment when its JSON could not be had (show
 * failed, timed out, printed more than is kept; no plan file where Sluice reads it): without it
 * the values to redact are unknown.
 */
export const PLAN_TEXT_WITHHELD =
  "The plan's output is withheld: only the plan's JSON (`show -json`) tells which of its values are sensitive, terraform prints some of them unmarked (a prior state's terraform_data `output`), and that JSON could not be had. Fix what failed (the plan's comment names it) and plan again.";

/** A failure's message followed by why the plan's text is not shown (PLAN_TEXT_WITHHELD). */
export function withheldFailure(message: string): string {
  return `${message}${/[.!?]$/.test(message.trimEnd()) ? "" : "."} ${PLAN_TEXT_WITHHELD}`;
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
    /** Drops what was held, saying so in its place (PLAN_TEXT_WITHHELD): its secrets cannot be known. */
    withhold(): void {
      held = "";
      emit?.(`${PLAN_TEXT_WITHHELD}\n`);
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
