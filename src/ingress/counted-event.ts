/**
 * The events app.yml subscribes to (default_events), and those GitHub sends every App whatever it
 * subscribes to (its hook's ping, installations, authorizations, the hook's own deletion).
 */
export const GITHUB_APP_EVENTS: ReadonlySet<string> = new Set([
  "pull_request",
  "issue_comment",
  "pull_request_review",
  "check_run",
  "check_suite",
  "merge_group",
  "push",
  "issues",
  "repository",
  "ping",
  "installation",
  "installation_repositories",
  "installation_target",
  "github_app_authorization",
  "meta",
]);

/**
 * The event a signed delivery is counted under in the metrics: its name when GitHub sends such an
 * event to Sluice, else `other`. `X-GitHub-Event` is not signed: a captured body sent again under
 * made-up names made each a series of its own, kept for the process's life and in every scrape.
 */
export const countedEvent = (name: string): string => (GITHUB_APP_EVENTS.has(name) ? name : "other");
