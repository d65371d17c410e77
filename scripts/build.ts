import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The folders the compiled app runs from (tsconfig.build.json's `include`). */
export const SOURCE_DIRS = ["src", "runners"] as const;

/** TypeScript becomes JavaScript; every other file is something the code reads at run time. */
const isRuntimeFile = (name: string) => !name.endsWith(".ts");

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * One rule instead of a list of folders: every file under src/ and runners/ that is not TypeScript
 * (templates, assets, schemas, anything read next to the code through `import.meta`) goes to the
 * same place under `outDir`, so a folder added later cannot be forgotten. Returns the paths copied,
 * relative to `root`.
 */
export function copyRuntimeFiles(root: string, outDir: string): string[] {
  const copied: string[] = [];
  for (const top of SOURCE_DIRS) {
    for (const file of filesUnder(join(root, top))) {
      const rel = relative(root, file);
      if (!isRuntimeFile(file)) continue;
      const target = join(outDir, rel);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
      copied.push(rel);
    }
  }
  return copied;
}

/** `npm run build`: tsc, then the runtime files beside the compiled code. `--out-dir DIR` builds elsewhere (tests). */
export function build(root: string, outDir: string): void {
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json"), "--outDir", outDir], {
    stdio: "inherit",
  });
  copyRuntimeFiles(root, outDir);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const root = join(import.meta.dirname, "..");
  const flag = process.argv.indexOf("--out-dir");
  const outDir = flag >= 0 && process.argv[flag + 1] ? resolve(process.argv[flag + 1] as string) : join(root, "dist");
  try {
    build(root, outDir);
  } catch (e) {
    // tsc has printed its errors already.
    console.error(`build: ${e instanceof Error ? e.message.split("\n", 1)[0] : String(e)}`);
    process.exit(1);
  }
}
