/**
 * The GitHub App permissions Sluice needs, and why. Endpoint rows follow GitHub's "Permissions
 * required for GitHub Apps" (REST reference); where GitHub accepts either of two permissions (a
 * comment on a pull request: Issues or Pull requests), the row lists both. app.yml asks for exactly
 * NEEDED_PERMISSIONS (test/unit/app-permissions.test.ts derives it from the calls in src/), the
 * GitHub simulator enforces the rows, and at start Sluice compares what each installation granted.
 */

export type Access = "read" | "write";
/** One way to be allowed: every permission in it, at least at that access. */
export type PermissionSet = Readonly<Record<string, Access>>;

/**
 * How each call Sluice makes is allowed: alternatives (any one suffices), or `app` (the app's
 * JWT, no installation permission) or `user` (a signed-in user's token: the console's sign-in).
 */
export type EndpointRule = readonly PermissionSet[] | "app" | "user";

const COMMENT_READ: PermissionSet[] = [{ issues: "read" }, { pull_requests: "read" }];
const COMMENT_WRITE: PermissionSet[] = [{ issues: "write" }, { pull_requests: "write" }];

/** Keyed by `METHOD /route` as GitHub's REST reference writes it. */
export const ENDPOINT_PERMISSIONS: Readonly<Record<string, EndpointRule>> = {
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": COMMENT_READ,
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": COMMENT_WRITE,
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id}": COMMENT_READ,
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}": COMMENT_WRITE,
  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": COMMENT_WRITE,
  "GET /repos/{owner}/{repo}/issues": [{ issues: "read" }],
  "GET /repos/{owner}/{repo}/issues/{issue_number}": COMMENT_READ,
  "POST /repos/{owner}/{repo}/issues": [{ issues: "write" }],
  "PATCH /repos/{owner}/{repo}/issues/{issue_number}": COMMENT_WRITE,
  "GET /repos/{owner}/{repo}/pulls": [{ pull_requests: "read" }],
  "GET /repos/{owner}/{repo}/pulls/{pull_number}": [{ pull_requests: "read" }],
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": [{ pull_requests: "read" }],
  "GET /repos/{owner}/{repo}/compare/{basehead}": [{ contents: "read" }],
  "GET /repos/{owner}/{repo}/commits/{ref}": [{ contents: "read" }],
  // Who pushed a head no `synchronize` told of (src/vcs/github/github-activity.ts).
  "GET /repos/{owner}/{repo}/activity": [{ metadata: "read" }],
  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge": [{ contents: "write" }],
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls": [{ pull_requests: "read" }],
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": [{ checks: "read" }],
  "POST /repos/{owner}/{repo}/check-runs": [{ checks: "write" }],
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": [{ checks: "write" }],
  "GET /repos/{owner}/{repo}/collaborators/{username}/permission": [{ metadata: "read" }],
  "GET /repos/{owner}/{repo}": [{ metadata: "read" }],
  "GET /repos/{owner}/{repo}/branches/{branch}": [{ metadata: "read" }],
  "GET /repos/{owner}/{repo}/rules/branches/{branch}": [{ metadata: "read" }],
  "POST /repos/{owner}/{repo}/deployments": [{ deployments: "write" }],
  "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": [{ deployments: "write" }],
  "GET /orgs/{org}/teams/{team_slug}/memberships/{username}": [{ members: "read" }],
  "GET /installation/repositories": [{ metadata: "read" }],
  // GraphQL, one query (src/vcs/github/github-merge-blockers.ts): a blocked PR's review decision and
  // its head's status check rollup. GitHub refuses the rollup's check runs without Checks: read and
  // its commit statuses without Commit statuses: read.
  "GRAPHQL merge blockers": [{ pull_requests: "read", checks: "read", statuses: "read" }],
  // git over HTTPS with the installation token (clone and fetch; Sluice never pushes).
  "GIT fetch": [{ contents: "read" }],
  "GET /app": "app",
  "GET /app/installations": "app",
  "GET /app/hook/config": "app",
  "GET /app/hook/deliveries": "app",
  "POST /app/hook/deliveries/{delivery_id}/attempts": "app",
  "POST /app/installations/{installation_id}/access_tokens": "app",
  "POST /app-manifests/{code}/conversions": "app",
  // Public: no permission (the server config's logins resolved to their account ids), asked with
  // an installation token, or with a signed-in user's token by the console.
  "GET /users/{username}": [{}],
  "GET /user/{account_id}": [{}],
  "GET /user": "user",
  "GET /user/installations": "user",
  "GET /user/installations/{installation_id}/repositories": "user",
};

/** Calls made only when a setting asks for them: app.yml does not ask for their permission by default. */
export const OPTIONAL_ENDPOINTS: Readonly<Record<string, string>> = {
  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge": "automerge",
};

/** Webhook events and the permission GitHub needs before it sends them to an app. */
export const EVENT_PERMISSIONS: Readonly<Record<string, readonly PermissionSet[]>> = {
  pull_request: [{ pull_requests: "read" }],
  pull_request_review: [{ pull_requests: "read" }],
  issue_comment: COMMENT_READ,
  issues: [{ issues: "read" }],
  check_run: [{ checks: "read" }],
  check_suite: [{ checks: "read" }],
  merge_group: [{ merge_queues: "read" }],
  push: [{ contents: "read" }],
  repository: [{ metadata: "read" }],
};

export interface NeededPermission {
  access: Access;
  /** What stops working without it, for the log and /readyz. */
  stops: string;
  /** Without it Sluice cannot do its job at all: /readyz fails. Otherwise one feature is lost and /readyz says so. */
  essential: boolean;
}

/** What app.yml requests (`default_permissions`) and every installation should have granted. */
export const NEEDED_PERMISSIONS: Readonly<Record<string, NeededPermission>> = {
  contents: { access: "read", essential: true, stops: "cloning repositories (no plan or apply runs) and push events (pull mode)" },
  pull_requests: { access: "read", essential: true, stops: "reading pull requests and their reviews (no plan or apply runs)" },
  issues: { access: "write", essential: true, stops: "every comment Sluice writes on pull requests and drift issues" },
  checks: { access: "write", essential: true, stops: "the sluice/plan and sluice/apply check runs, the Apply button and Re-run" },
  metadata: { access: "read", essential: true, stops: "everything (GitHub grants it to every app)" },
  deployments: {
    access: "write",
    essential: false,
    stops: "a GitHub Deployment for each apply (applies still run; no deployment appears)",
  },
  members: { access: "read", essential: false, stops: "apply_teams and team code owners (team members count as not in the team)" },
  merge_queues: { access: "read", essential: false, stops: "merge_group events: no sluice/plan for the merge queue" },
  statuses: {
    access: "read",
    essential: false,
    stops: "the `mergeable` requirement of a blocked pull request: GitHub refuses its commit statuses, and the apply is refused saying so",
  },
};

const RANK: Record<string, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** Granted at least `access` (GitHub says `write` for read and write, and `admin` above both). */
export const grants = (granted: Readonly<Record<string, string | undefined>>, name: string, access: Access) =>
  (RANK[granted[name] ?? "none"] ?? 0) >= (RANK[access] ?? 0);

/** One of the alternatives is granted in full. */
export const allowedBy = (granted: Readonly<Record<string, string | undefined>>, alternatives: readonly PermissionSet[]) =>
  alternatives.some((set) => Object.entries(set).every(([name, access]) => grants(granted, name, access)));

export interface MissingPermission extends NeededPermission {
  name: string;
  granted: string;
}

/** Pure: the needed permissions an installation did not grant (or granted below the access needed). */
export function missingPermissions(granted: Readonly<Record<string, string | undefined>>): MissingPermission[] {
  return Object.entries(NEEDED_PERMISSIONS)
    .filter(([name, need]) => !grants(granted, name, need.access))
    .map(([name, need]) => ({ name, ...need, granted: granted[name] ?? "none" }));
}

/** `deployments: write (has none): a GitHub Deployment …`, one line per missing permission. */
export const describeMissing = (missing: readonly MissingPermission[]) =>
  missing.map((m) => `${m.name}: ${m.access} (has ${m.granted}): ${m.stops}`).join("; ");
