/**
 * GitHub refused to show a pull request that holds locks (its repository deleted, transferred, or
 * taken out of the installation): when the heal sweep may ask again. Kept per pull request.
 */
export interface HealRefusal {
  /** GitHub's answer (401, 403, 404 or 410). */
  status: number;
  /** How many heals in a row were refused. */
  attempts: number;
  /** When GitHub first refused (epoch ms). */
  since: number;
  /** Not asked again before this (epoch ms). */
  nextAt: number;
}
