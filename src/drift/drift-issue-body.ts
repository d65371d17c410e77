/**
 * A drift issue's body as Sluice writes it: a first line naming the project (hidden in the
 * rendered issue, found by people and searches), then the text for people. What the issue shows
 * of its plan is kept in the store (`drift_issues`), never read back from here: anyone with write
 * access can edit the body.
 */
export interface DriftIssueBody {
  project: string;
  /** Everything after the first line, as written. */
  text: string;
}

const OPEN = "<!-- sluice:drift project=";
const CLOSE = " -->";

/** The project is URI-encoded: no name can end the comment early or start a line of its own. */
export function printDriftIssueBody(body: DriftIssueBody): string {
  return `${OPEN}${encodeURIComponent(body.project)}${CLOSE}\n${body.text}`;
}

/**
 * The body of an issue Sluice wrote; undefined for any other text. Only the first line counts:
 * a marker further down (quoted, or printed by a plan) names nothing.
 */
export function parseDriftIssueBody(body: string): DriftIssueBody | undefined {
  const newline = body.indexOf("\n");
  const first = newline === -1 ? body : body.slice(0, newline);
  if (!first.startsWith(OPEN) || !first.endsWith(CLOSE) || first.length < OPEN.length + CLOSE.length) return undefined;
  let project: string;
  try {
    project = decodeURIComponent(first.slice(OPEN.length, -CLOSE.length));
  } catch {
    return undefined;
  }
  return { project, text: newline === -1 ? "" : body.slice(newline + 1) };
}
