import { formatPath, type KeyPath } from "./format-path.js";
import type { YamlLocator } from "./yaml-locator.js";

/** Collects the second stage's findings; errors carry the key path and line, warnings name the key. */
export interface NormalizeContext {
  readonly locator: YamlLocator;
  error(path: KeyPath, message: string): void;
  /** `path` only orders the warnings as the file does. */
  warn(message: string, path?: KeyPath): void;
  /** The standard warning for a key Sluice read and ignores. */
  unsupported(path: KeyPath, detail?: string): void;
  errors(): string[];
  warnings(): string[];
  hasErrors(): boolean;
}

export function createContext(locator: YamlLocator): NormalizeContext {
  const errors: { line: number; text: string }[] = [];
  const warnings: { line: number; text: string }[] = [];
  return {
    locator,
    error(path, message) {
      const line = locator.line(path);
      errors.push({ line, text: `${formatPath(path)}: ${message} (line ${line})` });
    },
    warn(message, path) {
      if (warnings.some((w) => w.text === message)) return;
      warnings.push({ line: path === undefined ? 0 : locator.line(path), text: message });
    },
    unsupported(path, detail) {
      const why = detail ? ` (${detail})` : "";
      this.warn(`\`${formatPath(path)}\` is not supported by Sluice and was ignored${why}`, path);
    },
    errors: () => errors.sort((a, b) => a.line - b.line).map((e) => e.text),
    warnings: () => [...warnings].sort((a, b) => a.line - b.line).map((w) => w.text),
    hasErrors: () => errors.length > 0,
  };
}
