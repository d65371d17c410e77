/** Why a healing act happened, in every audit record and log line it leaves. */
export const HEALED = "reconciled, the webhook was not received";

/**
 * What a healing act made up for (the `kind` of `sluice_reconciled_total`): a pull request closed
 * or merged unheard, a head pushed unheard, or a check run its ended job left `in_progress`.
 */
export const RECONCILED_KINDS = ["pr-closed", "head-moved", "check-orphaned"] as const;
export type ReconciledKind = (typeof RECONCILED_KINDS)[number];

/** The audit detail of a `reconciled` record: its kind first, so that it can be counted by kind; then why it was needed. */
export const reconciledDetail = (kind: ReconciledKind, said: string, why = HEALED) => `${kind}: ${why}: ${said}`;
