import { createRedactor } from "../src/util/redact.js";
import { liveRedactor } from "./live-redactor.js";

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
