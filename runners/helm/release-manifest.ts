/**
 * The `manifest` field of a release printed by `helm upgrade … --output json`: the rendered
 * non-hook objects, in the same form `helm get manifest` prints for the live release. JSON rather
 * than the default table, whose MANIFEST section sits between HOOKS and NOTES with no end marker a
 * template could not also print. The rest of the release (`config` holds the user-supplied values,
 * `chart` the chart's values and files) is read past, never kept. `undefined` when the text is not
 * a release.
 */
export function releaseManifest(stdout: string): string | undefined {
  // helm prints only the JSON to stdout; a stray line before it (a plugin, a wrapper) is skipped.
  const start = stdout.search(/^\{/m);
  if (start < 0) return undefined;
  let release: unknown;
  try {
    release = JSON.parse(stdout.slice(start));
  } catch {
    return undefined;
  }
  if (typeof release !== "object" || release === null || Array.isArray(release)) return undefined;
  const { name, manifest } = release as Record<string, unknown>;
  // Without this check `{}` would read as an empty release, and every live object as deleted.
  if (typeof name !== "string") return undefined;
  // An install of a chart with nothing but hooks has no manifest field at all.
  if (manifest === undefined) return "";
  return typeof manifest === "string" ? manifest : undefined;
}

/**
 * Every object a release printed as JSON holds: its manifest and its hooks' (a hook is created in
 * the cluster too). `undefined` when the text is not a release.
 */
export function releaseObjectsText(stdout: string): string | undefined {
  const manifest = releaseManifest(stdout);
  if (manifest === undefined) return undefined;
  const { hooks } = JSON.parse(stdout.slice(stdout.search(/^\{/m))) as { hooks?: unknown };
  const hookManifests = Array.isArray(hooks)
    ? hooks.flatMap((h) =>
        typeof h === "object" && h !== null && typeof (h as { manifest?: unknown }).manifest === "string"
          ? [(h as { manifest: string }).manifest]
          : [],
      )
    : [];
  return [manifest, ...hookManifests].join("\n---\n");
}
