import { defineConfig } from "vitepress";

// The manual's map: one page per task, grouped by who reads it. README.md links to these pages.
export const sidebar = [
  {
    text: "Try and install",
    items: [
      { text: "Getting started", link: "/getting-started" },
      { text: "Install on GitHub", link: "/github-app" },
      { text: "Sluice for Atlantis users", link: "/atlantis" },
    ],
  },
  {
    text: "Using it on pull requests",
    items: [
      { text: "Commands", link: "/commands" },
      { text: "The pull-request flow and the gate", link: "/pull-requests" },
      { text: "Change control", link: "/change-control" },
      { text: "Rules that read the plan", link: "/plan-rules" },
      { text: "Policy checks", link: "/policy-checks" },
      { text: "GitHub-native", link: "/github-native" },
      { text: "Previews", link: "/previews" },
      { text: "Drift and reconcile", link: "/drift" },
    ],
  },
  {
    text: "Configuring repositories",
    items: [
      { text: "Repository config", link: "/repo-config" },
      { text: "Helm and Kustomize", link: "/helm-kustomize" },
      { text: "Monorepos and Terragrunt", link: "/monorepos" },
      { text: "Outputs between projects", link: "/outputs" },
      { text: "Secrets and what is derived from them", link: "/derived-secrets" },
    ],
  },
  {
    text: "Running the server",
    items: [
      { text: "Server config", link: "/server-config" },
      { text: "Cloud credentials", link: "/cloud-credentials" },
      { text: "Console", link: "/console" },
      { text: "Single sign-on and the API", link: "/single-sign-on" },
      { text: "Audit stream and notifications", link: "/audit-stream" },
      { text: "Operations", link: "/operations" },
      { text: "Where state lives", link: "/state" },
    ],
  },
  {
    text: "Reference (generated)",
    items: [
      { text: "Server config keys", link: "/reference/server-config" },
      { text: "Repository config keys", link: "/reference/repo-config" },
      { text: "Commands", link: "/reference/commands" },
      { text: "Metrics", link: "/reference/metrics" },
      { text: "Audit events", link: "/reference/audit-events" },
    ],
  },
  {
    text: "Trust and limits",
    items: [
      { text: "Security model", link: "/security" },
      { text: "Sandbox", link: "/sandbox" },
      { text: "Trusted identity, memory, durability", link: "/identity-memory-durability" },
      { text: "Performance", link: "/performance" },
      { text: "Performance: the runs", link: "/performance-history" },
      { text: "What is not run here", link: "/not-run" },
      { text: "Known gaps", link: "/known-gaps" },
    ],
  },
  {
    text: "Inside Sluice",
    items: [
      { text: "Architecture and design", link: "/design" },
      { text: "The code and its tests", link: "/development" },
    ],
  },
];

// VitePress: the docs generator made for technical manuals in a Vite/TypeScript project, with local
// search and a dead-link check at build; Atlantis' manual is built with it too.
export default defineConfig({
  title: "Sluice",
  description: "Infrastructure-as-code changes through pull requests, through one gate.",
  cleanUrls: true,
  lastUpdated: false,
  // A link to a page that does not exist fails the build.
  ignoreDeadLinks: false,
  themeConfig: {
    nav: [
      { text: "Getting started", link: "/getting-started" },
      { text: "Reference", link: "/reference/server-config" },
    ],
    sidebar,
    search: { provider: "local" },
    outline: [2, 3],
  },
});
