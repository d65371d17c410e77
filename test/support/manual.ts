import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");

/** The manual's pages: README.md and every page of docs/ (the site's build output left out), by path from the root. */
export function manualPages(): Map<string, string> {
  const pages = new Map<string, string>([["README.md", readFileSync(join(ROOT, "README.md"), "utf8")]]);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "images") continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".md")) pages.set(relative(ROOT, full), readFileSync(full, "utf8"));
    }
  };
  walk(join(ROOT, "docs"));
  return pages;
}

/** All of the manual as one text: for tests that check it says something, wherever it says it. */
export function manualText(): string {
  return [...manualPages().values()].join("\n");
}

/** A heading's anchor as VitePress makes it (the slugify of @mdit-vue/shared). */
export function slugify(heading: string): string {
  return heading
    .normalize("NFKD")
    .replace(/[\u0300-\u036F]/g, "")
    .replace(/[\u0000-\u001f]/g, "")
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(\d)/, "_$1")
    .toLowerCase();
}
