import picomatch from "picomatch";

export type NetworkMode = "on" | "none";

/**
 * The server config's `network` map: `REPO_GLOB` or `REPO_GLOB:PROJECT_GLOB` (project name) to
 * `on` or `none`. The first entry that matches decides; no match keeps the network (providers
 * need their APIs). Only the server config says this: a repository cannot turn its network back on.
 */
export function networkFor(rules: Readonly<Record<string, NetworkMode>>, repoFullName: string, projectName: string): NetworkMode {
  for (const [pattern, mode] of Object.entries(rules)) {
    const colon = pattern.indexOf(":");
    const repoGlob = colon < 0 ? pattern : pattern.slice(0, colon);
    const projectGlob = colon < 0 ? "**" : pattern.slice(colon + 1);
    if (!picomatch(repoGlob, { nocase: true })(repoFullName)) continue;
    if (!picomatch(projectGlob, { dot: true })(projectName)) continue;
    return mode;
  }
  return "on";
}
