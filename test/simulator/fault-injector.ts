import type { FailRule } from "./sim-types.js";

/** Rules armed by tests; each matching call consumes one use. First armed, first used. */
export class FaultInjector {
  private readonly rules: { rule: FailRule; remaining: number }[] = [];

  add(rule: FailRule): void {
    if (rule.status === undefined && rule.delayMs === undefined && !rule.loseAnswer && !rule.holdUntil) {
      throw new Error("failNext needs a status, a delayMs, loseAnswer or holdUntil");
    }
    this.rules.push({ rule, remaining: rule.times ?? 1 });
  }

  take(method: string, path: string, rawUrl: string): FailRule | null {
    const i = this.rules.findIndex(
      ({ rule }) =>
        (!rule.method || rule.method.toUpperCase() === method) &&
        (testRegex(rule.pathPattern, path) || testRegex(rule.pathPattern, rawUrl)),
    );
    const found = this.rules[i];
    if (!found) return null;
    found.remaining -= 1;
    if (found.remaining <= 0) this.rules.splice(i, 1);
    return found.rule;
  }

  clear(): void {
    this.rules.length = 0;
  }

  get armed(): number {
    return this.rules.length;
  }
}

// A /g or /y pattern keeps lastIndex between calls and would match every other time.
function testRegex(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}
