import type { AttemptOutcome } from "../store/audit-outbox-store.js";
import { errorMessage } from "../util/errors.js";

/** What a failed attempt records: the receiver's status, or why it could not be reached. */
function describeFailure(e: unknown): string {
  if (e instanceof Error && e.name === "TimeoutError") return "no answer in time";
  if (e instanceof Error && e.name === "AbortError") return "stopped";
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? errorMessage(e);
}

/**
 * POSTs one body. A 2xx answer is a delivery; anything else, a redirect included (never followed:
 * the body is signed for this URL), is a failure to retry.
 */
export async function postEvent(
  url: string,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; signal: AbortSignal },
): Promise<AttemptOutcome> {
  try {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": "Sluice-Audit-Stream", ...headers },
      redirect: "manual",
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
    return { ok: false, statusCode: res.status, error: `the receiver answered HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, error: `not delivered: ${describeFailure(e)}` };
  }
}
