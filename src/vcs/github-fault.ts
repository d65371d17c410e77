/**
 * Tells a fault on this side (no route, DNS, refused connection, proxy, certificate) from an
 * answer GitHub gave. Octokit reports a failed fetch as a RequestError with status 500 and no
 * response, which would otherwise read as "GitHub answered 500".
 */
const LOCAL_CODES =
  /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|SELF_SIGNED_CERT[A-Z_]*|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_[A-Z_]+)\b/;

export type GitHubFault =
  | { kind: "unreachable"; detail: string }
  | { kind: "rejected"; status: number; detail: string }
  | { kind: "github"; status: number; detail: string }
  | { kind: "other"; detail: string };

function causeChain(e: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let cur: unknown = e; cur && chain.length < 6; cur = (cur as { cause?: unknown }).cause) chain.push(cur);
  return chain;
}

function codeIn(chain: unknown[]): string | undefined {
  for (const c of chain) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && LOCAL_CODES.test(code)) return code;
    const message = c instanceof Error ? c.message : typeof c === "string" ? c : "";
    const m = LOCAL_CODES.exec(message);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

export function classifyGitHubFault(e: unknown): GitHubFault {
  const err = e as { status?: unknown; response?: unknown; message?: unknown; name?: unknown };
  const message = typeof err?.message === "string" ? err.message.slice(0, 300) : String(e).slice(0, 300);
  // A system error code anywhere in the chain: the request never got an answer.
  const code = codeIn(causeChain(e));
  if (code) return { kind: "unreachable", detail: message.includes(code) ? message : `${code}: ${message}` };
  const answered = err?.response !== undefined && err.response !== null;
  if (!answered && (err?.name === "AbortError" || /\b(aborted|timed? ?out)\b/i.test(message))) {
    return { kind: "unreachable", detail: `no answer in time: ${message}` };
  }
  const status = typeof err?.status === "number" ? err.status : undefined;
  if (status === 401 || status === 403 || status === 404) return { kind: "rejected", status, detail: message };
  if (status !== undefined) return { kind: "github", status, detail: message };
  return { kind: "other", detail: message };
}
