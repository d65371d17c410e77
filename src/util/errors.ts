/**
 * The text of anything thrown: an Error's message, or the value itself as a string (a library may
 * throw a string or a plain object). Every log line and user message about a fault takes this.
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
