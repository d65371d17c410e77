/**
 * The hidden lines Sluice writes at the top of its own comments and issue bodies, so it can find
 * them again. Comments on GitHub outlive the code that wrote them: `parseComment` must keep
 * reading every shape written before, which is exactly what `printComment` writes today:
 *
 *   <!-- sluice:job=<id> part=<n> -->         first line of a job's comment (part n of its split)
 *   <!-- sluice:drift project=<name> -->      first line of a drift issue's body
 *   <!-- sluice:refusals=<n> -->              second line of a user's refusal comment
 *
 * Ids and project names are URI-encoded, so they never hold `-->` or a space that would end the
 * HTML comment early or change its meaning.
 */
export type CommentMarker = { kind: "job"; jobId: string; part: number } | { kind: "drift-issue"; project: string };

export interface CommentBody {
  marker: CommentMarker;
  /** How often a user's commands were refused on the PR (their one refusal comment). */
  refusals?: number;
  /** What people read: everything after the hidden lines. */
  text: string;
}

export const jobMarker = (jobId: string | number, part = 1): CommentMarker => ({ kind: "job", jobId: String(jobId), part });

export function printMarker(m: CommentMarker): string {
  return m.kind === "job"
    ? `<!-- sluice:job=${encodeURIComponent(m.jobId)} part=${m.part} -->`
    : `<!-- sluice:drift project=${encodeURIComponent(m.project)} -->`;
}

export function printComment(b: CommentBody): string {
  const hidden = b.refusals === undefined ? [] : [`<!-- sluice:refusals=${b.refusals} -->`];
  return [printMarker(b.marker), ...hidden, b.text].join("\n");
}

const JOB = /^<!-- sluice:job=(\S*) part=([1-9]\d{0,5}) -->$/;
const DRIFT = /^<!-- sluice:drift project=(\S*) -->$/;
const REFUSALS = /^<!-- sluice:refusals=(\d{1,9}) -->$/;

const decode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
};

function markerOfLine(line: string): CommentMarker | undefined {
  const job = JOB.exec(line);
  if (job?.[1] !== undefined && job[2]) {
    const jobId = decode(job[1]);
    return jobId === undefined ? undefined : { kind: "job", jobId, part: Number(job[2]) };
  }
  const drift = DRIFT.exec(line);
  const project = drift?.[1] === undefined ? undefined : decode(drift[1]);
  return project === undefined ? undefined : { kind: "drift-issue", project };
}

/**
 * The marker on the first line of a body, and only there: tool output is never on the first line,
 * so a marker a plan prints cannot be mistaken for ours.
 */
export function parseMarker(body: string): CommentMarker | undefined {
  return markerOfLine(firstLine(body));
}

export function parseComment(body: string): CommentBody | undefined {
  const marker = parseMarker(body);
  if (!marker) return undefined;
  const lines = body.split("\n").slice(1);
  const refusals = REFUSALS.exec(lines[0]?.replace(/\r$/, "") ?? "");
  if (refusals?.[1]) return { marker, refusals: Number(refusals[1]), text: lines.slice(1).join("\n") };
  return { marker, text: lines.join("\n") };
}

/** Whether a body carries Sluice's marker. Anyone can write one: who posted it is checked apart. */
export const isOurs = (body: string): boolean => parseMarker(body) !== undefined;

/** The first line of a body, without the `\r` of a CRLF line end. */
export function firstLine(body: string): string {
  const newline = body.indexOf("\n");
  return (newline === -1 ? body : body.slice(0, newline)).replace(/\r$/, "");
}
