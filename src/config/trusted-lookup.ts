import type { Project } from "../model/project.js";
import type { RepoConfig } from "../model/repo-config.js";
import type { BaseProject, TrustedIdentity } from "../model/trusted-identity.js";
import { identityOf } from "./trusted-identity.js";

/**
 * A job's projects as the trusted config knows them: each one's trusted identity, worked out once
 * per project for the job, and the trusted config's entry of it (an autodiscovered identity has none).
 */
export function trustedLookup(
  repoFullName: string,
  baseProjects: readonly BaseProject[],
  trusted: RepoConfig | undefined,
  formerRepos: readonly string[] = [],
) {
  const identities = new Map<string, TrustedIdentity>();
  const identityOfProject = (project: Pick<Project, "dir" | "workspace" | "name">) => {
    const key = JSON.stringify([project.dir, project.workspace, project.name]);
    const known = identities.get(key);
    if (known) return known;
    const id = identityOf(repoFullName, baseProjects, project, formerRepos);
    identities.set(key, id);
    return id;
  };
  const trustedOf = (project: Pick<Project, "dir" | "workspace" | "name">) => {
    const id = identityOfProject(project);
    if (id.kind !== "known") return undefined;
    return trusted?.projects.find((p) => p.name === id.name && p.dir === id.dir && p.workspace === id.workspace);
  };
  return { identityOfProject, trustedOf };
}
