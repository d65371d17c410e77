/**
 * What an applied plan changes in its state's count, from its verified summary: the resource
 * instances it adds (`grows`: its creates and imports) and deletes (`deletes`; a forget, a move
 * or a replace is neither). Kept with the apply in the live record.
 */
export interface PlanStateChanges {
  grows: number;
  deletes: number;
}

/**
 * The trusted counts of a project's state (repo, dir and workspace: the base branch's project
 * there), from the live record: `now`, what the last apply that read it back found; `peak`, the
 * most it held after any apply since the last teardown the rules let through; and
 * `deletedSincePeak`, what the succeeded applies after that peak deleted. A count never rises past
 * the one before it plus what the applies since could have added: a plan file whose prior state
 * claims resources the backend does not hold (terraform applies it, and writes them) cannot raise it.
 */
export interface TrustedStateCount {
  now: number;
  peak: number;
  deletedSincePeak: number;
}
