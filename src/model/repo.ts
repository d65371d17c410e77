/** A GitHub repository as Sluice addresses it. */
export interface RepoRef {
  owner: string;
  name: string;
}

/** `owner/name`, the form locks, plans and logs key a repository by. */
export function repoFullName(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}
