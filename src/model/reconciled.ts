/** Why a healing act happened, in every audit record and log line it leaves. */
export const HEALED = "reconciled, the webhook was not received";

/**
 * What a healing act made up for (the `kind` of `sluice_reconciled_total`): a pull request closed
 * or merged unheard, or a head pushed unheard.
 */
export const RECONCILED_KINDS = ["pr-closed", "head-moved"] as const;
export type ReconciledKind = (typeof RECONCILED_KINDS)[number];

/** The audit detail of a `reconciled` record: its kind first, so that it can be counted by kind. */
export const reconciledDetail = (kind: ReconciledKind, said: string) => `${kind}: ${HEALED}: ${said}`;
