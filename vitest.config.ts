import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests spawn the app, git and terraform: two cores, so keep files sequential there.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
