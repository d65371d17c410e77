import type { PreviewSettings } from "../../model/preview.js";
import { templateProblem } from "../../preview/preview-workspace.js";
import { parseDuration } from "../../util/duration.js";
import type { KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import { checkProjectFile } from "./project-fields.js";
import type { SluiceProjectInput } from "./sluice-schema.js";

/** A project's `preview:`: the template, files inside the project's reach, durations read. */
export function normalizePreview(
  raw: NonNullable<SluiceProjectInput["preview"]>,
  dir: string,
  path: KeyPath,
  ctx: NormalizeContext,
): PreviewSettings | undefined {
  let ok = true;
  const problem = templateProblem(raw.workspace);
  if (problem) {
    ctx.error([...path, "workspace"], problem);
    ok = false;
  }
  const varFiles: string[] = [];
  (raw.var_files ?? []).forEach((file, i) => {
    const clean = checkProjectFile(dir, file, [...path, "var_files", i], ctx);
    if (clean === undefined) ok = false;
    // Terraform reads -var-file relative to the project dir, where it runs.
    else varFiles.push(file);
  });
  const durationOf = (key: "ttl" | "max_age") => {
    const text = raw[key];
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.error([...path, key], `must be a duration such as 30m, 72h or 7d, got ${JSON.stringify(text)}`);
      ok = false;
    }
    return ms;
  };
  const ttlMs = durationOf("ttl");
  const maxAgeMs = durationOf("max_age");
  if (!ok) return undefined;
  return {
    workspace: raw.workspace,
    varFiles,
    vars: Object.fromEntries(Object.entries(raw.vars ?? {}).map(([k, v]) => [k, String(v)])),
    ...(raw.url_output === undefined ? {} : { urlOutput: raw.url_output }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
  };
}
