/**
 * What an apply's read-back found in its project's state: the managed resource instances the state
 * pulled through the backend in a fresh run held (`addresses`), and of them, how many the plan
 * applied added (`grown`: its creates and imports). Both read by Sluice, not from a file the run wrote.
 */
export interface StateReadBackCount {
  addresses: number;
  grown: number;
}

/**
 * The trusted counts of a project's state (repo, dir and workspace: the base branch's project
 * there), from the live record: `now` after the last apply that read it back, and `peak`, the most
 * it held after any apply since the last teardown the rules let through. A count never rises past
 * the one before it plus what the applied plan created: a plan file whose prior state claims
 * resources the backend does not hold (terraform applies it, and writes them) cannot raise it.
 */
export interface TrustedStateCount {
  now: number;
  peak: number;
}
