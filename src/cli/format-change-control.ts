import type { ChangeControl } from "../model/change-control.js";

/** The change control block of `sluice config explain`, as the console's settings page shows it. */
export function formatChangeControl(cc: ChangeControl): string {
  const windows = cc.windows.map((w) => {
    const now = w.on ? `${w.kind === "allow" ? "open" : "closed"} ${w.until ? `until ${w.until}` : "with no end in sight"}` : "not on";
    return `    ${w.match}  ${w.kind} ${w.cron} for ${w.duration} (${w.timezone})  now: ${now}${w.next ? `; next start ${w.next}` : ""}`;
  });
  const freezes = cc.freezes.map((f) => `    ${f.match}  ${f.from} → ${f.to}${f.reason ? ` (${f.reason})` : ""}  now: ${f.now}`);
  const permissions = cc.permissions.map(
    // An empty list is a rule too: the gate lets no one do that action.
    (p) => `    ${p.match}  ${p.actions.map((a) => `${a.action}: ${a.who.join(", ") || "no one"}`).join("; ") || "names no action"}`,
  );
  return [
    "change control (server rules whose repository side matches; a PROJECT side matches a project's trusted name):",
    windows.length ? "  apply_windows:" : "  apply_windows  none",
    ...windows,
    freezes.length ? "  freezes:" : "  freezes  none",
    ...freezes,
    permissions.length ? "  permissions (first rule naming an action decides):" : "  permissions  none: write access decides",
    ...permissions,
  ].join("\n");
}
