import { errorMessage } from "../util/errors.js";

export interface RelayLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * `WEBHOOK_PROXY_URL`, as in every Probot app: a smee.io channel (or any server speaking its
 * event-stream format) receives GitHub's deliveries, and this client posts each one, headers and
 * all, to Sluice's own webhook endpoint, where the signature is checked as for a direct delivery.
 * The connection is retried by the event source; start does not wait for it.
 */
export async function startWebhookRelay(source: string, target: string, log: RelayLog): Promise<{ stop(): Promise<void> }> {
  // Loaded only with WEBHOOK_PROXY_URL set: the client and its HTTP library stay out of other servers' memory.
  const { SmeeClient } = await import("smee-client");
  let warned = false;
  const client = new SmeeClient({
    source,
    target,
    // Query strings from the channel are not forwarded: the endpoint has no use for them.
    queryForwarding: false,
    logger: {
      info: (msg: unknown) => log.debug({ source }, `webhook relay: ${String(msg)}`),
      error: (msg: unknown, detail?: unknown) => {
        // The event source retries on its own; one warning per outage is enough.
        if (warned) return;
        warned = true;
        const why = detail instanceof Error ? detail.message : (detail as { message?: string } | undefined)?.message;
        log.warn({ source }, `webhook relay: ${String(msg)}${why ? `: ${why}` : ""}; retrying`);
      },
    },
  });
  const previousOpen = client.onopen;
  client.onopen = (ev) => {
    warned = false;
    log.info({ source, target }, `webhook relay connected: deliveries to ${source} are forwarded to ${target}`);
    previousOpen?.(ev);
  };
  void client.start().catch((e: unknown) => {
    if (!warned) log.warn({ source }, `webhook relay: cannot connect to ${source} yet (${errorMessage(e)}); retrying`);
    warned = true;
  });
  return { stop: () => client.stop() };
}
