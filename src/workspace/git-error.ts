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

/** git printed more than a run's output holds (runners/capture-output.ts): what was kept is not all of it. */
export class GitOutputCut extends GitError {
  constructor(command: string) {
    super(`git ${command} printed more than Sluice reads at once`, "");
    this.name = "GitOutputCut";
  }
}
