/** Markdown reply to `/help`, and the part after the reason in replies to invalid commands. */
export const USAGE = `**Sluice commands** go on the first line of a pull request comment:

| Command | What it does |
| --- | --- |
| \`/plan [-p PROJECT] [-d DIR] [-w WORKSPACE] [-- TERRAFORM_ARGS…]\` | Plan the projects this pull request changes, or only the ones selected |
| \`/plan --why [-p PROJECT] [-d DIR] [-w WORKSPACE]\` | Say which projects this pull request's changes plan, and why; plan nothing |
| \`/apply [-p PROJECT] [-d DIR] [-w WORKSPACE]\` | Apply the saved plans made for the current head commit |
| \`/apply [-p…] --override-window -- REASON\` | Server admins: apply once outside the project's apply window or freeze; the reason is audited |
| \`/apply [-p…] --override-protect -- REASON\` | A protected resource's owners: apply a plan that destroys or replaces it; the reason is audited |
| \`/unlock [-p PROJECT] [-d DIR] [-w WORKSPACE]\` | Release this pull request's project locks and discard its plans |
| \`/import [-p PROJECT] [-d DIR] [-w WORKSPACE] ADDRESS ID\` | Import an existing object into one project's state |
| \`/state rm [-p PROJECT] [-d DIR] [-w WORKSPACE] ADDRESS…\` | Remove resources from one project's state (nothing is destroyed) |
| \`/state push-errored [-p PROJECT] [-d DIR] [-w WORKSPACE]\` | Push the state Sluice kept when terraform could not save it, and release the project's hold |
| \`/approve_policies [-p PROJECT] [-d DIR] [-w WORKSPACE] [--clear-policy-approval]\` | Policy owners: approve the failed policy checks of the current plans (or clear the approvals) |
| \`/drift [-p PROJECT] [-d DIR] [-w WORKSPACE]\` | Check the default branch for drift now (on any issue or pull request) |
| \`/drift pause -p PROJECT -- REASON\`, \`/drift resume -p PROJECT\` | Stop or restart reconciling a project |
| \`/preview destroy\`, \`/preview recreate\`, \`/preview extend DURATION\` \`[-p PROJECT]\` | Tear down, rebuild, or keep longer (\`24h\`, \`3d\`) this pull request's previews (writers) |
| \`/applies pause [-- REASON]\`, \`/applies resume\` | Pause or resume every apply on this server (admins only) |
| \`/help\` | Show this help |

\`sluice plan\`, \`sluice apply\`, \`sluice unlock\`, \`sluice import\`, \`sluice state rm\`, \`sluice approve_policies\` and \`sluice help\` work the same way.

- \`-p\`, \`--project\`: project name · \`-d\`, \`--dir\`: directory relative to the repository root · \`-w\`, \`--workspace\`: Terraform workspace. Give each at most once; they combine.
- After \`--\`, \`/plan\` passes these Terraform arguments through: \`-var NAME=VALUE\`, \`-var-file=FILE\`, \`-target=ADDRESS\`, \`-replace=ADDRESS\`, \`-refresh=true|false\`, \`-refresh-only\`, \`-destroy\`, \`-parallelism=N\`, \`-compact-warnings\`, \`-lock-timeout=DURATION\`.
- \`/plan -destroy\` is short for \`/plan -- -destroy\`: a teardown plan, marked as one; applying it needs \`allow_destroy: true\` for the project in the server or base branch config.
- The **Apply** button on a \`sluice/plan\` check is \`/apply\` by whoever clicks it; **Re-run** on a Sluice check plans again.
- Quote values with spaces: \`-- -var 'tags=a b'\`. Nothing is run through a shell.

Examples: \`/plan\`, \`/plan -d envs/prod\`, \`/plan -p network -- -target=module.vpc\`, \`sluice apply -p network\`.`;
