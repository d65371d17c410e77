import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { checkoutStateRefusal, type StatePlace, stateRefusal, statePlace, under } from "../terraform/state-place.js";

/** Bounds on the walk of a download dir a run wrote: its copies are a few levels deep. */
const MAX_DEPTH = 16;
const MAX_DIRS = 5_000;

/** Where Terraform ran for a unit, or why Sluice cannot tell (so it cannot say where the state goes). */
export type UnitWorkDirs = { ok: true; dirs: string[] } | { ok: false; reason: string };

/**
 * Where Terraform ran for a unit: each copy terragrunt made under the download dir (it copies the
 * unit's own files, its terragrunt.hcl among them, into the copy it runs in), or, with no copy (a
 * unit without `terraform.source`), the unit's own dir. The download dir is written by the run:
 * walked without following a link, bounded. A walk the bounds cut short is no answer: the copy
 * may lie past them, and taking the unit's own dir for it would read a `.terraform` the PR
 * committed there (a backend that is not the one terraform used).
 */
export async function unitWorkDirs(unitDir: string, downloadDir: string): Promise<UnitWorkDirs> {
  const found: string[] = [];
  let level = [downloadDir];
  let seen = 0;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      if (ranHere(entries)) found.push(dir);
      for (const e of entries) {
        // Dirent says "directory" only for a real one: a symlink is never followed.
        if (!e.isDirectory() || e.name.startsWith(".terraform")) continue;
        if (++seen > MAX_DIRS) return unlisted(`more than ${MAX_DIRS} directories`);
        next.push(join(dir, e.name));
      }
    }
    level = next;
  }
  if (level.length > 0) return unlisted(`directories more than ${MAX_DEPTH} levels deep`);
  return { ok: true, dirs: found.length > 0 ? found : [unitDir] };
}

/**
 * A copy of the unit that terraform ran in: its terragrunt.hcl beside Terraform files (the
 * module's, or what `generate` wrote) or a `.terraform`. A source that copies the whole repository
 * (`../..//modules/x`) brings the other units' dirs (and this unit's own) along: a terragrunt.hcl
 * with nothing Terraform could run is not where the state went. Leaving a dir out is never a
 * decoy's doing: the dir terraform ran in always holds its configuration.
 */
const ranHere = (entries: readonly Dirent[]) =>
  entries.some((e) => e.name === "terragrunt.hcl" && e.isFile()) &&
  entries.some((e) => e.name === ".terraform" || (e.isFile() && /\.tf(\.json)?$/.test(e.name)));

const unlisted = (why: string): UnitWorkDirs => ({
  ok: false,
  reason: `Sluice could not find where terragrunt ran for the unit (its copy under the scratch dir holds ${why}), so it cannot tell where the state goes: an apply could lose it. Point \`terraform.source\` at a smaller module directory.`,
});

/** Where each run of the unit keeps its state, as the backend its init resolved says (a file the run wrote: read carefully). */
export function unitStatePlaces(
  workDirs: readonly string[],
  where: { checkoutDir: string; workspace: string; keptPaths?: readonly string[] },
): StatePlace[] {
  return workDirs.map((dir) => {
    const backend = readCheckoutFile(join(dir, ".terraform"), "terraform.tfstate");
    if (!backend.ok && backend.problem !== "missing") return { kind: "unknown" };
    return statePlace({
      backendState: backend.ok ? backend.text : undefined,
      projectDir: dir,
      checkoutDir: where.checkoutDir,
      workspace: where.workspace,
      keptPaths: where.keptPaths,
    });
  });
}

/**
 * Why a unit's plan (or apply) is refused: its state would be a local file in Sluice's scratch
 * copy of the unit (a unit without `remote_state`: removed with the next plan or the PR), in the
 * checkout (unless the server allows it), or where the sandbox does not keep it.
 */
export function unitStateRefusal(places: readonly StatePlace[], downloadDir: string, checkoutStateAllowed: boolean): string | undefined {
  for (const place of places) {
    if (place.kind !== "local") continue;
    if (place.inCheckout !== undefined) {
      if (!checkoutStateAllowed) return checkoutStateRefusal(place.inCheckout);
      continue;
    }
    if (under(downloadDir, place.path))
      return `state is a local file in Sluice's copy of the unit (\`${relative(downloadDir, place.path)}\` under its scratch dir), which goes with the next plan or the pull request: an apply would lose it. Give the unit a \`remote_state\` (a remote backend, or a local \`path\` in a directory the server lists in \`sandbox_paths\`).`;
    const refusal = stateRefusal(place);
    if (refusal) return refusal;
  }
  return undefined;
}
