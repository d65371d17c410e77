/** A failure of a git step, with git's own (redacted) words. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}
