import { defineConfig } from "vitest/config";

/**
 * Two tiers, as vitest projects (`vitest run --project unit|e2e`; a bare `vitest run` runs both):
 *
 * - unit: pure code and code driven through fakes of the ports (test/fakes/: VCS, runner, an
 *   in-memory SQLite store). No helm, kubectl, git, terraform, server or app process is started,
 *   so the tier stays fast enough (< 30 s) to run on every change: `npm run test:unit`.
 * - e2e: everything that starts a real process or server: the tool runners with real helm and
 *   kubectl (test/integration/), the GitHub simulator and the app as a child process (test/e2e/,
 *   test/adversarial/), the store contract on SQLite files and PostgreSQL (test/store/), and the
 *   console in Chromium (test/browser/).
 *   `npm run test:e2e`.
 *
 * `npm test` (CI) runs the typecheck, the linter and both tiers.
 */
export default defineConfig({
  test: {
    // Real git, terraform and PostgreSQL runs take seconds on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: two test files at a time, whichever tier. The e2e files each start their own
    // simulator and app on free ports, so running two of them side by side is safe.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // Unit tests mock no modules and set no globals, so the files of one worker may share its
          // module cache: src/ is loaded once per worker instead of once per file (about half the time).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
        },
      },
    ],
  },
});
