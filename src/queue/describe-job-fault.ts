import { classifyGitHubFault } from "../vcs/github-fault.js";
import { VcsError } from "../vcs/vcs-client.js";
import { errorMessage } from "../util/errors.js";

/**
 * The log line of a failed job. A GitHub call that never got an answer (refused connection, DNS,
 * proxy, TLS) is a problem on this side and is said to be one: Octokit reports it as status 500,
 * which would otherwise read as GitHub failing.
 */
export function describeJobFault(e: unknown): { message: string; cause?: "network" | "github" } {
  const message = errorMessage(e);
  const fromGitHubCall = e instanceof VcsError || (e as { name?: unknown } | null)?.name === "HttpError";
  if (!fromGitHubCall) return { message };
  const fault = classifyGitHubFault(e);
  if (fault.kind !== "unreachable") return { message, cause: "github" };
  const local = message.replace(/GitHub answered 500 \((.*)\)$/s, "$1").replace(/no answer from GitHub \((.*)\)$/s, "$1");
  return {
    message: `GitHub could not be reached from this server (${local}): a network, DNS, proxy or GHE_HOST problem on this side, not an answer from GitHub`,
    cause: "network",
  };
}
