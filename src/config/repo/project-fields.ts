import { normalizeRelativePath } from "../../command/normalize-relative-path.js";
import { PROJECT_NAME, WORKSPACE_NAME } from "../../command/validate-filter-value.js";
import type { RunnerKind } from "../../model/project.js";
import type { ProjectConfig } from "../../model/repo-config.js";
import { formatPath, type KeyPath, showValue } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import { compileWhenModified } from "./atlantis-pattern.js";
import { RELATIVE_TO_DIR, resolvePattern } from "./resolve-pattern.js";
import { WORKSPACE_MESSAGE } from "./sluice-schema.js";

/** Atlantis' default `when_modified` (its `DefaultAutoPlanWhenModified`). */
export const TERRAFORM_WHEN_MODIFIED: readonly string[] = [
  "**/*.tf*",
  "**/*.tofu",
  "**/*.tofu.json",
  "**/terragrunt.hcl",
  "**/.terraform.lock.hcl",
];
// Charts and kustomizations are built from any file in their dir (templates, values, patches).
export const MANIFEST_WHEN_MODIFIED: readonly string[] = ["**/*"];

export function defaultWhenModified(runner: RunnerKind): string[] {
  return runner === "helm" || runner === "kustomize" ? [...MANIFEST_WHEN_MODIFIED] : [...TERRAFORM_WHEN_MODIFIED];
}

/** Atlantis-style default name: the dir, plus `-workspace` outside the default workspace. */
export function defaultProjectName(dir: string, workspace: string): string {
  return workspace === "default" ? dir : `${dir}-${workspace}`;
}

/**
 * A project dir, checked on text before anything touches a file system: relative, inside the
 * repo (no `..` at all), forward slashes, no control characters. `./a//b/` -> `a/b`.
 */
export function cleanProjectDir(raw: string, path: KeyPath, ctx: NormalizeContext): string | undefined {
  const result = normalizeRelativePath(raw);
  if (result.ok) return result.path;
  const plain = raw.startsWith("/") || raw.split("/").includes("..");
  ctx.error(path, `must be a relative path inside the repo, got ${showValue(raw)}${plain ? "" : `; ${result.reason}`}`);
  return undefined;
}

/** Workspaces end up in paths and argv (`terraform workspace select`): a strict name, no `..`. */
export function checkWorkspace(raw: string, path: KeyPath, ctx: NormalizeContext): string | undefined {
  if (WORKSPACE_NAME.test(raw) && !raw.includes("..")) return raw;
  ctx.error(path, `${WORKSPACE_MESSAGE}, got ${showValue(raw)}`);
  return undefined;
}

/** Explicit names must be usable with `-p`, so they follow the comment parser's rule. */
export function checkProjectName(raw: string, path: KeyPath, ctx: NormalizeContext): string | undefined {
  if (PROJECT_NAME.test(raw)) return raw;
  ctx.error(
    path,
    `must be a project name (letters, digits, \`.\`, \`_\`, \`~\`, \`-\`, \`/\`; not starting with \`-\` or \`/\`; at most 128 characters), got ${showValue(raw)}`,
  );
  return undefined;
}

/**
 * Checks each `when_modified` pattern. In atlantis.yaml as Atlantis would: only what moby's matcher
 * cannot compile (an unclosed `[`, a trailing `\\`) is an error, as Atlantis fails every autoplan
 * on it; a pattern joined to the dir that climbs above the root is kept (it never matches, as in
 * Atlantis), with a warning. `.sluice.yaml` is stricter: such a pattern, an absolute one, or `..`
 * after a glob is a mistake to point out. Returns them as written (trimmed).
 */
export function checkWhenModified(
  dir: string,
  patterns: readonly string[],
  path: KeyPath,
  ctx: NormalizeContext,
  atlantis = false,
): string[] {
  const kept: string[] = [];
  patterns.forEach((raw, i) => {
    if (!atlantis) {
      const resolved = resolvePattern(dir, raw);
      if (!resolved.ok) {
        ctx.error([...path, i], `${resolved.reason}, got ${showValue(raw)}`);
        return;
      }
    }
    const compiled = compileWhenModified(dir, raw);
    if (compiled !== undefined && !compiled.ok) {
      ctx.error([...path, i], `${compiled.reason}, got ${showValue(raw)}`);
      return;
    }
    if (compiled?.pattern.text.startsWith("../") || compiled?.pattern.text === "..") {
      ctx.warn(
        `\`${formatPath([...path, i])}\` (${showValue(raw)}) points above the repository root from \`${dir}\`: it never matches a changed file (as in Atlantis)`,
        [...path, i],
      );
    }
    kept.push(raw.trim());
  });
  return kept;
}

/**
 * The fields every configured project has, from .sluice.yaml or atlantis.yaml alike: defaults for
 * name, autoplan and ordering, and the `when_modified` globs checked against the dir (absent: the
 * runner's defaults). `dependsOn` is read after the globs are checked, so errors keep file order.
 */
export function projectCore(
  f: {
    name?: string;
    dir: string;
    workspace: string;
    runner: RunnerKind;
    autoplanEnabled?: boolean;
    whenModified?: readonly string[];
    dependsOn: () => readonly string[];
    executionOrderGroup?: number;
    /** atlantis.yaml: `when_modified` checked as Atlantis checks it (checkWhenModified). */
    atlantis?: boolean;
  },
  path: KeyPath,
  ctx: NormalizeContext,
): ProjectConfig {
  return {
    name: f.name ?? defaultProjectName(f.dir, f.workspace),
    dir: f.dir,
    workspace: f.workspace,
    runner: f.runner,
    autoplan: {
      enabled: f.autoplanEnabled ?? true,
      whenModified: checkWhenModified(
        f.dir,
        f.whenModified ?? defaultWhenModified(f.runner),
        [...path, "autoplan", "when_modified"],
        ctx,
        f.atlantis,
      ),
    },
    dependsOn: [...new Set(f.dependsOn())],
    executionOrderGroup: f.executionOrderGroup ?? 0,
  };
}

/** Autodiscovery ignore globs are repo-relative: same text rules as a dir, globs allowed. */
export function checkIgnorePaths(patterns: readonly string[], path: KeyPath, ctx: NormalizeContext): string[] {
  const kept: string[] = [];
  patterns.forEach((raw, i) => {
    const resolved = resolvePattern(".", raw);
    if (!resolved.ok && resolved.reason === RELATIVE_TO_DIR) {
      ctx.error([...path, i], `must be relative to the repository root, got ${showValue(raw)}`);
    } else if (!resolved.ok) ctx.error([...path, i], `${resolved.reason}, got ${showValue(raw)}`);
    else if (resolved.pattern.exclude) ctx.error([...path, i], `must not start with \`!\`, got ${showValue(raw)}`);
    else kept.push(resolved.pattern.glob);
  });
  return kept;
}

/**
 * A file a tool reads (helm values), relative to the project dir: it may reach a sibling dir
 * (`../shared/values.yaml`) but must stay inside the repo, and must not be a URL helm would fetch.
 */
export function checkProjectFile(dir: string, raw: string, path: KeyPath, ctx: NormalizeContext): string | undefined {
  if (raw.includes("://")) {
    ctx.error(path, `must be a file in the repository, not a URL, got ${showValue(raw)}`);
    return undefined;
  }
  const resolved = resolvePattern(dir, raw);
  if (!resolved.ok || resolved.pattern.exclude || /[*?[\]{}]/.test(raw)) {
    ctx.error(path, `must be a relative path inside the repo, got ${showValue(raw)}`);
    return undefined;
  }
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  return segments.join("/");
}

/** `terraform_version` is kept in the model but changes nothing: say so rather than pretend. */
export function warnVersion(path: KeyPath, version: string, ctx: NormalizeContext): void {
  ctx.warn(
    `\`${formatPath([...path, "terraform_version"])}\` (${version}) is kept for reference only: Sluice downloads no Terraform and runs the server's binary`,
    [...path, "terraform_version"],
  );
}
