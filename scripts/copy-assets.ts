import { cpSync } from "node:fs";
import { join } from "node:path";

/**
 * `npm run build` step after `tsc`: the compiled app reads its comment templates next to its own
 * code (`dist/src/render/templates/`), and tsc copies only TypeScript.
 */
const root = join(import.meta.dirname, "..");
cpSync(join(root, "src/render/templates"), join(root, "dist/src/render/templates"), { recursive: true });
