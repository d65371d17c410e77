import type { AuditFilter } from "../store/console-store.js";
import type { Store } from "../store/store.js";
import { type AuditRow, auditRows } from "./audit-rows.js";

type Viewer = Parameters<typeof auditRows>[2];

/** How many rows one read asks of the store, and how many a request reads at most (each source). */
const PAGE = 1_000;
const SCAN_BUDGET = 50_000;

/**
 * The newest `limit` audit rows `viewer` may read. The store's newest rows are the whole server's:
 * cut to `limit` first and then to the viewer's repositories, a reader of a quiet repository on a
 * busy server got fewer of its rows than it asked for (none), and the count told how busy the
 * others were. Each source is read page by page until it has given `limit` rows the viewer may
 * read, or has no more (at most SCAN_BUDGET rows, so one request cannot read the table without end).
 */
export async function readableAudit(
  store: Pick<Store, "applyHistory" | "auditEvents">,
  viewer: Viewer,
  filter: Omit<AuditFilter, "limit" | "beforeId">,
  limit: number,
): Promise<AuditRow[]> {
  const [applies, events] = await Promise.all([
    collect(
      (beforeId) => store.applyHistory({ repo: filter.repo, limit: PAGE, beforeId }),
      (rows) => auditRows(rows, [], viewer, filter),
      PAGE,
      limit,
    ),
    collect(
      (beforeId) => store.auditEvents({ ...filter, limit: PAGE, beforeId }),
      (rows) => auditRows([], rows, viewer, filter),
      PAGE,
      limit,
    ),
  ]);
  return [...applies, ...events].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

async function collect<T extends { id: number }>(
  read: (beforeId: number | undefined) => Promise<T[]>,
  keep: (rows: T[]) => AuditRow[],
  page: number,
  limit: number,
): Promise<AuditRow[]> {
  const kept: AuditRow[] = [];
  let beforeId: number | undefined;
  for (let scanned = 0; kept.length < limit && scanned < SCAN_BUDGET; scanned += page) {
    const rows = await read(beforeId);
    kept.push(...keep(rows));
    if (rows.length < page) break;
    beforeId = rows.at(-1)?.id;
  }
  return kept;
}
