/**
 * The first `max` items of a list, joined, and a count of the rest: a message names a few of
 * what a PR can make as long as it likes (files, addresses, commits, projects) and counts the
 * others, so it stays readable and within GitHub's size limits.
 */
export function listSome<T>(items: readonly T[], max: number, show: (item: T) => string = String, sep = ", "): string {
  const shown = items.slice(0, max).map(show).join(sep);
  const rest = items.length - max;
  if (rest <= 0) return shown;
  // A list whose items hold commas is joined with semicolons, and so is its last part.
  return `${shown}${sep.startsWith(";") ? sep : " "}and ${rest} more`;
}
