import pg from "pg";
import { JOBS_CHANNEL } from "./job-queue.js";

/**
 * Tells this replica at once when any replica queues a job (PostgreSQL LISTEN/NOTIFY) instead of
 * waiting for the next poll. One connection of its own; if it drops, listening starts again after
 * a pause, and the poll the app keeps covers the gap.
 */
export async function listenForJobs(
  config: pg.ClientConfig,
  notify: () => void,
  log: { warn(obj: object, msg: string): void },
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client(config);
    c.on("notification", () => notify());
    c.on("error", (e) => {
      log.warn({ err: e.message }, "job notices: connection lost, listening again shortly (the poll covers the gap)");
      void c.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 2_000);
    });
    await c.connect();
    await c.query(`LISTEN ${JOBS_CHANNEL}`);
    client = c;
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
