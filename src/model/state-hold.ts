/**
 * A project held because terraform could not save the state an apply, import or state command
 * made (`errored.tfstate`): Sluice keeps that state, and nothing plans, applies or checks drift on
 * the project until `/state push-errored` pushed it to the backend. Keyed by the project's trusted
 * identity (its base branch dir and workspace), so no rename of the PR's escapes it.
 */
export interface StateHold {
  id: number;
  repo: string;
  dir: string;
  workspace: string;
  /** The project's name when it was held (for people; the key is dir + workspace). */
  project: string;
  /** The pull request whose run left the state; 0 for a drift road. */
  pr: number;
  jobId: number;
  /** What the tool said when it failed to save the state. */
  message: string;
  /**
   * A digest of the backend that refused the state (type and resolved config): the push goes into
   * that backend only, never one a pull request's checkout names instead. None: holds kept before it.
   */
  backend?: string;
  createdAt: string;
}

export type NewStateHold = Omit<StateHold, "id" | "createdAt"> & { state: Buffer };

export interface StateHoldStore {
  /** Keeps a state terraform could not save and holds its project. */
  holdState(hold: NewStateHold): Promise<StateHold>;
  /** The oldest hold not yet released of a project (its dir and workspace), if any. */
  openStateHold(repo: string, dir: string, workspace: string): Promise<StateHold | undefined>;
  /** The oldest hold not yet released of a workspace of a backend (by its digest), whatever dir it was kept under. */
  openStateHoldOnBackend(repo: string, backend: string, workspace: string): Promise<StateHold | undefined>;
  /** The state a hold keeps (in clear: it never leaves the server but through `state push`). */
  heldState(id: number): Promise<Buffer | undefined>;
  /** Every hold not yet released, oldest first (the console). */
  stateHolds(): Promise<StateHold[]>;
  /** Releases a hold once its state is pushed; false when it was released already. */
  releaseStateHold(id: number, by: string): Promise<boolean>;
}
