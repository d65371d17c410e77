import { type Dirent, lstatSync } from "node:fs";
import { createHash } from "node:crypto";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import type { PlanFileRead } from "../terraform/plan-file-contents.js";
import { checkoutStateRefusal, type StatePlace, stateGoesElsewhere, stateRefusal, statePlace, under } from "../terraform/state-place.js";

/** Bounds on the walk of a download dir a run wrote: its copies are a few levels deep. */
const MAX_DEPTH = 16;
const MAX_DIRS = 5_000;
/** Bounds on the walk of the checkout for the other units' dirs. */
const MAX_CHECKOUT_DIRS = 20_000;

/** Where Terraform ran for a unit, or why Sluice cannot tell (so it cannot say where the state goes). */
export type UnitWorkDirs = { ok: true; dirs: string[] } | { ok: false; reason: string };

/**
 * Where Terraform ran for a unit: each copy terragrunt made under the download dir (it copies the
 * unit's own files, its terragrunt.hcl among them, into the copy it runs in), or, with no copy (a
 * unit without `terraform.source`), the unit's own dir. The download dir is written by the run:
 * walked through links to directories (terragrunt runs through them), bounded. A walk the bounds
 * cut short is no answer: the copy may lie past them, and taking the unit's own dir for it would
 * read a `.terraform` the PR committed there (a backend that is not the one terraform used).
 */
export async function unitWorkDirs(unitDir: string, downloadDir: string, checkoutDir?: string): Promise<UnitWorkDirs> {
  const found: string[] = [];
  const others = checkoutDir === undefined ? new Set<string>() : await copiesOfOthers(downloadDir, checkoutDir, unitDir);
  let level = [downloadDir];
  let seen = 0;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      if (ranHere(entries)) found.push(dir);
      for (const e of entries) {
        if (e.name.startsWith(".terraform")) continue;
        // Another unit's copy (a dependency whose outputs terragrunt read there): not where this unit's state goes.
        if (depth === 0 && others.has(e.name)) continue;
        // A link to a directory is walked too: the run can move the copy away and leave a link at
        // its path, which terragrunt's next run (the read-back) goes through. The bounds stop a loop.
        if (!e.isDirectory() && !(e.isSymbolicLink() && (await isDirBehindLink(join(dir, e.name))))) continue;
        if (++seen > MAX_DIRS) return unlisted(`more than ${MAX_DIRS} directories`);
        next.push(join(dir, e.name));
      }
    }
    level = next;
  }
  if (level.length > 0) return unlisted(`directories more than ${MAX_DEPTH} levels deep`);
  // The unit's own dir is where terraform runs for a unit without `terraform.source`: a dir under
  // the download dir (which the run can make) never stands for it once terraform left its data dir there.
  if (found.length > 0 && holdsDataDir(unitDir)) found.push(unitDir);
  return { ok: true, dirs: found.length > 0 ? found : [unitDir] };
}

/**
 * A copy of the unit that terraform ran in: a `.terraform` (whatever else the dir holds), or its
 * terragrunt.hcl beside Terraform files (the module's, or what `generate` wrote). A source that
 * copies the whole repository (`../..//modules/x`) brings the other units' dirs (and this unit's
 * own) along: a terragrunt.hcl with nothing Terraform could run is not where the state went. The
 * `.terraform` alone decides once terraform ran: the run can remove the copy's terragrunt.hcl after
 * it (terragrunt copies it again at its next run), and a copy left out for that would let a decoy
 * stand for it.
 */
const ranHere = (entries: readonly Dirent[]) =>
  entries.some((e) => e.name === ".terraform") ||
  (entries.some((e) => e.name === "terragrunt.hcl" && e.isFile()) && entries.some((e) => e.isFile() && /\.tf(\.json)?$/.test(e.name)));

/**
 * otherUnitsCopies, walked only when the download dir holds a copy under a name that is not the
 * unit's own: most units read no dependency's outputs, and a checkout of thousands of units is
 * not walked again for each one's plan and apply.
 */
async function copiesOfOthers(downloadDir: string, checkoutDir: string, unitDir: string): Promise<Set<string>> {
  // Terragrunt names the copy by the unit dir's path as it was given (made absolute), links not resolved.
  const own = [...copyNames(unitDir), ...copyNames(await realpath(unitDir).catch(() => unitDir))];
  const top = await readdir(downloadDir).catch(() => []);
  return top.every((name) => own.includes(name)) ? new Set() : otherUnitsCopies(checkoutDir, unitDir);
}

/** The names terragrunt gives a unit dir's copy (base64url of its SHA-1; padded in older terragrunt). */
function copyNames(dir: string): string[] {
  const hash = createHash("sha1").update(dir).digest();
  return [hash.toString("base64url"), hash.toString("base64").replace(/\+/g, "-").replace(/\//g, "_")];
}

/**
 * The names terragrunt gives the copies of the checkout's other units under a download dir: a
 * copy lies at `<download dir>/<base64url(sha1(unit dir))>/…` (padded in older terragrunt). A
 * dependency's outputs are read with `output -json` in its own copy, under the same download dir
 * when one is given: its backend is its own. Only names of dirs other than the unit's (their real
 * paths) are left out, so a name computed otherwise than terragrunt's leaves a copy in (a refusal),
 * never out. The checkout walk is bounded: past the bounds, nothing more is left out.
 */
async function otherUnitsCopies(checkoutDir: string, unitDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const self = await realpath(unitDir).catch(() => unitDir);
  let level = [await realpath(checkoutDir).catch(() => checkoutDir)];
  let seen = 0;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      if (dir !== self && dir !== unitDir && entries.some((e) => e.name === "terragrunt.hcl")) for (const n of copyNames(dir)) names.add(n);
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith(".") || ++seen > MAX_CHECKOUT_DIRS) continue;
        next.push(join(dir, e.name));
      }
    }
    level = next;
  }
  return names;
}

const isDirBehindLink = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

const unlisted = (why: string): UnitWorkDirs => ({
  ok: false,
  reason: `Sluice could not find where terragrunt ran for the unit (its copy under the scratch dir holds ${why}), so it cannot tell where the state goes: an apply could lose it. Point \`terraform.source\` at a smaller module directory.`,
});

/** Where each run of the unit keeps its state, as the backend its init resolved says (a file the run wrote: read carefully). */
export function unitStatePlaces(
  workDirs: readonly string[],
  where: { checkoutDir: string; workspace: string; keptPaths?: readonly string[]; sluiceDirs?: readonly string[] },
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
      sluiceDirs: where.sluiceDirs,
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

/**
 * Why the unit's state would not be read back where the apply of its saved plan (`file`) writes
 * it, or undefined: stateGoesElsewhere over each copy terraform ran in. Terraform applies a saved
 * plan to the plan's backend, in the workspace selected when it runs; the read-back (`terragrunt
 * run -- state pull`) goes through the backend file and the `environment` file init left in the
 * copy's `.terraform`, which the unit's runs (a hook, a provider) can write. Only copies holding a
 * `.terraform` are where terraform ran; with none, every work dir is compared (a missing backend
 * file is the local default, never a pass). A backend file there that cannot be read says nothing
 * of where the state goes: refused. Settings are never shown (a `-backend-config` may hold a credential).
 */
export function unitStateGoesElsewhere(
  workDirs: readonly string[],
  file: PlanFileRead,
  where: { workspace: string; tfWorkspace: string | undefined },
): string | undefined {
  const ran = workDirs.filter(holdsDataDir);
  for (const dir of ran.length > 0 ? ran : workDirs) {
    // Read under the copy, not under `.terraform`: a `.terraform` linked elsewhere is refused, not followed.
    const backend = readCheckoutFile(dir, join(".terraform", "terraform.tfstate"));
    if (!backend.ok && backend.problem !== "missing")
      return `the backend file terraform init left in the unit's copy cannot be read (${backend.message}): Sluice cannot tell where the apply writes the state`;
    const moved = stateGoesElsewhere(file, {
      tfDataDir: join(dir, ".terraform"),
      backendState: backend.ok ? backend.text : undefined,
      tfWorkspace: where.tfWorkspace,
      workspace: where.workspace,
    });
    if (moved) return moved;
  }
  return undefined;
}

/** Whether terraform left its data dir in `dir` (any entry named `.terraform`, a link too; one that cannot be looked at counts). */
const holdsDataDir = (dir: string) => {
  try {
    return lstatSync(join(dir, ".terraform"), { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
};
