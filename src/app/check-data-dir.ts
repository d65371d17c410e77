import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvError } from "../config/env-config.js";
import { errorMessage } from "../util/errors.js";

/**
 * Creates the data dir and proves it is writable by writing into it: a root-owned volume mounted
 * for a non-root user, or a path under a file, stops Sluice at start with the variable's name,
 * not at the first clone. (A permission check would lie when running as root.)
 */
export function checkDataDir(dir: string, variable = "SLUICE_DATA_DIR"): void {
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? errorMessage(e);
    throw new EnvError(`${variable}: cannot write ${dir} (${code}); create it and give the user Sluice runs as write access`);
  }
}
