import { ResponseBodyError, WWWAuthenticateChallengeError } from "openid-client";
import { errorMessage } from "../util/errors.js";

/** The OAuth error a 401 challenge carries (`WWW-Authenticate: Basic error="invalid_client"`). */
function challengeError(e: WWWAuthenticateChallengeError): { error?: string; description?: string } {
  const p = e.cause[0]?.parameters;
  return { error: p?.error, description: p?.error_description };
}

/**
 * One line for an openid-client failure, for the log, /readyz and the sign-in page: what the
 * provider answered, or what was wrong with its answer (a claim, a signature), never a stack.
 */
export function describeOidcError(e: unknown): string {
  if (e instanceof ResponseBodyError)
    return `the provider answered ${e.status} ${e.error}${e.error_description ? `: ${e.error_description}` : ""}`;
  if (e instanceof WWWAuthenticateChallengeError) {
    const c = challengeError(e);
    return `the provider answered ${e.status} ${c.error ?? "(a challenge)"}${c.description ? `: ${c.description}` : ""}`;
  }
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${errorMessage(e.cause)}` : "";
  return `${errorMessage(e)}${cause}`.replace(/\s+/g, " ").slice(0, 400);
}

/** The provider refused the client's credentials (wrong client_id or client_secret). */
export function isInvalidClient(e: unknown): boolean {
  if (e instanceof ResponseBodyError) return e.error === "invalid_client";
  // Basic authentication refused: a 401 challenge (its error, when given, says invalid_client).
  if (e instanceof WWWAuthenticateChallengeError)
    return e.status === 401 && (challengeError(e).error ?? "invalid_client") === "invalid_client";
  return false;
}
