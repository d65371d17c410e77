import type { RepoConfig } from "../../model/repo-config.js";
import { atlantisConfigSchema } from "./atlantis-schema.js";
import { describeIssues } from "./describe-issues.js";
import { showValue } from "./format-path.js";
import { createContext, type NormalizeContext } from "./normalize-context.js";
import { normalizeAtlantisConfig } from "./normalize-atlantis-config.js";
import { normalizeSluiceConfig } from "./normalize-sluice-config.js";
import { readYaml, withMore } from "./read-yaml.js";
import { sluiceConfigSchema } from "./sluice-schema.js";
import type { YamlLocator } from "./yaml-locator.js";
import { errorMessage } from "../../util/errors.js";

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; file: string; errors: string[] };

export interface LoadRepoConfigOptions {
  /** Files larger than this are refused unread. Default 1 MiB. */
  maxBytes?: number;
  /** The name Sluice's own config file has on this server (`repo_config_file`), for messages. */
  sluiceFile?: string;
}

export const SLUICE_FILE = ".sluice.yaml";
export const ATLANTIS_FILE = "atlantis.yaml";
/** Atlantis itself refuses this name ("rename using the .yaml extension"); Sluice reads it when atlantis.yaml is absent. */
export const ATLANTIS_YML = "atlantis.yml";
const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_ERRORS = 30;

/** No config file: every setting at its default, projects autodiscovered. */
export function defaultRepoConfig(): RepoConfig {
  return {
    source: "none",
    projects: [],
    autodiscover: { enabled: true, ignore: [] },
    parallelPlan: true,
    parallelApply: false,
    automerge: false,
    applyOn: "comment",
    approvals: 1,
    workflows: {},
    warnings: [],
  };
}

/**
 * Reads the repository config from the texts of `.sluice.yaml` and `atlantis.yaml` (either may be
 * absent; `.sluice.yaml` wins). Pure: the caller reads the files, from the base branch. Never
 * throws: any problem comes back as `{ ok: false }` with one message per problem, each naming the
 * key path and line.
 */
export function loadRepoConfig(
  files: { sluice?: string; atlantis?: string; atlantisYml?: string },
  opts: LoadRepoConfigOptions = {},
): RepoConfigResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const sluiceFile = opts.sluiceFile ?? SLUICE_FILE;
  const atlantisFile = files.atlantis === undefined && files.atlantisYml !== undefined ? ATLANTIS_YML : ATLANTIS_FILE;
  try {
    if (files.sluice !== undefined) {
      const result = loadSluice(files.sluice, maxBytes, sluiceFile);
      for (const [name, text] of [
        [ATLANTIS_FILE, files.atlantis],
        [ATLANTIS_YML, files.atlantisYml],
      ] as const) {
        if (result.ok && text !== undefined) result.config.warnings.unshift(`${name} was ignored because ${sluiceFile} exists`);
      }
      return result;
    }
    const atlantisText = files.atlantis ?? files.atlantisYml;
    if (atlantisText !== undefined) {
      const result = loadAtlantis(atlantisText, maxBytes, atlantisFile);
      if (result.ok && atlantisFile === ATLANTIS_YML) {
        result.config.file = ATLANTIS_YML;
        result.config.warnings.unshift(
          `${ATLANTIS_YML} was read as atlantis.yaml (Atlantis itself refuses this name and asks for the .yaml extension)`,
        );
      }
      if (result.ok && atlantisFile === ATLANTIS_FILE && files.atlantisYml !== undefined) {
        result.config.warnings.unshift(`${ATLANTIS_YML} was ignored because ${ATLANTIS_FILE} exists`);
      }
      return result;
    }
    return { ok: true, config: defaultRepoConfig() };
  } catch (e) {
    // A bug must not take the webhook handler down with it; the message says where to look.
    const file = files.sluice !== undefined ? sluiceFile : atlantisFile;
    const reason = errorMessage(e);
    return { ok: false, file, errors: [`(root): internal error while reading the config: ${reason}`] };
  }
}

function loadSluice(text: string, maxBytes: number, file: string): RepoConfigResult {
  return loadFile(file, text, maxBytes, (yaml, ctx) => {
    const parsed = sluiceConfigSchema.safeParse(yaml);
    return parsed.success ? normalizeSluiceConfig(parsed.data, ctx) : { issues: parsed.error.issues };
  });
}

function loadAtlantis(text: string, maxBytes: number, file: string): RepoConfigResult {
  return loadFile(file, text, maxBytes, (yaml, ctx) => {
    const parsed = atlantisConfigSchema.safeParse(yaml);
    return parsed.success ? normalizeAtlantisConfig(parsed.data, yaml as Record<string, unknown>, ctx) : { issues: parsed.error.issues };
  });
}

/** The two stages for either file: YAML with a mapping at the root, then schema and normalize. */
function loadFile(
  file: string,
  text: string,
  maxBytes: number,
  parse: (yaml: unknown, ctx: NormalizeContext) => RepoConfig | { issues: Parameters<typeof describeIssues>[0] },
): RepoConfigResult {
  const yaml = readYaml(text, { file, maxBytes });
  if (!yaml.ok) return { ok: false, file, errors: yaml.errors };
  const rootError = checkRoot(yaml.data, yaml.locator);
  if (rootError !== undefined) return { ok: false, file, errors: [rootError] };

  const ctx = createContext(yaml.locator);
  const config = parse(yaml.data, ctx);
  if ("issues" in config) return failed(file, describeIssues(config.issues, yaml.data, yaml.locator));
  if (ctx.hasErrors()) return failed(file, ctx.errors());
  return { ok: true, config };
}

function checkRoot(data: unknown, locator: YamlLocator): string | undefined {
  const line = locator.line([]);
  if (data === null || data === undefined) {
    return `(root): the file is empty; it needs at least a version (line ${line})`;
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    return `(root): must be a mapping, got ${showValue(data)} (line ${line})`;
  }
  return undefined;
}

function failed(file: string, errors: string[]): RepoConfigResult {
  return { ok: false, file, errors: withMore(errors.slice(0, MAX_ERRORS), errors.length) };
}
