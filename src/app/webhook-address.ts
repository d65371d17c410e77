import { BlockList, isIP } from "node:net";

export const WEBHOOK_PATH = "/api/github/webhooks";

/** Addresses GitHub's servers cannot open a connection to. */
const unreachable = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  unreachable.addSubnet(net, prefix, "ipv4");
}
unreachable.addAddress("::", "ipv6");
unreachable.addAddress("::1", "ipv6");
unreachable.addSubnet("fc00::", 7, "ipv6");
unreachable.addSubnet("fe80::", 10, "ipv6");

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|lan|home\.arpa|localdomain)$/i;

/** Whether GitHub could reach this host at all: loopback, private, link-local and local names cannot be. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  if (family === 4) return unreachable.check(host, "ipv4");
  if (family === 6) return unreachable.check(host, "ipv6");
  // A name without a dot only resolves on a local network.
  return !host.includes(".") || LOCAL_NAMES.test(host);
}

export interface WebhookAddressInput {
  /** The app's webhook URL as GitHub has it (GET /app/hook/config); undefined = could not be read. */
  hookUrl?: string;
  /** WEBHOOK_PROXY_URL: a smee.io channel relaying to this process. */
  proxyUrl?: string;
  /** SLUICE_PUBLIC_URL. */
  publicUrl?: string;
  /** Where this process listens, e.g. http://127.0.0.1:3000. */
  listenUrl: string;
}

export interface WebhookAddressReport {
  level: "info" | "warn";
  /** Where GitHub sends deliveries (best knowledge). */
  url: string;
  message: string;
}

const FIX =
  "set SLUICE_PUBLIC_URL to a public https address of this server and make it the app's webhook URL (<SLUICE_PUBLIC_URL>/api/github/webhooks, in the app's settings on GitHub), or set WEBHOOK_PROXY_URL to a smee.io channel that is the app's webhook URL";

/**
 * One log line at start: where GitHub will send webhooks, and whether that address can be reached
 * from outside (loopback and private addresses cannot: a warning says what to do).
 */
export function describeWebhookAddress(input: WebhookAddressInput): WebhookAddressReport {
  const expected = input.proxyUrl ?? (input.publicUrl ? new URL(WEBHOOK_PATH, input.publicUrl).href : undefined);
  const known = input.hookUrl !== undefined;
  const url = input.hookUrl || expected || new URL(WEBHOOK_PATH, input.listenUrl).href;
  const source = known
    ? "the app's webhook URL on GitHub"
    : input.proxyUrl
      ? "WEBHOOK_PROXY_URL"
      : input.publicUrl
        ? "SLUICE_PUBLIC_URL"
        : "this server's listen address";
  const unread = known ? "" : " (GitHub's setting could not be read)";
  if (known && !input.hookUrl) {
    return { level: "warn", url: "", message: `webhooks: the app has no webhook URL on GitHub, so no event will arrive: ${FIX}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { level: "warn", url, message: `webhooks: GitHub sends them to "${url}" (${source}), which is not a URL: ${FIX}` };
  }
  if (input.proxyUrl) {
    if (known && input.hookUrl !== input.proxyUrl) {
      return {
        level: "warn",
        url,
        message: `webhooks: GitHub sends them to ${url} (${source}), but WEBHOOK_PROXY_URL relays ${input.proxyUrl}: make the app's webhook URL ${input.proxyUrl}, or unset WEBHOOK_PROXY_URL`,
      };
    }
    return {
      level: "info",
      url,
      message: `webhooks: GitHub sends them to the relay ${url}${unread}; this process relays them from there to its own ${WEBHOOK_PATH} (WEBHOOK_PROXY_URL), signature checked as usual`,
    };
  }
  if (known && parsed.hostname === "smee.io") {
    return {
      level: "warn",
      url,
      message: `webhooks: GitHub sends them to the smee.io channel ${url}, but WEBHOOK_PROXY_URL is not set, so nothing relays them here: set WEBHOOK_PROXY_URL=${url}`,
    };
  }
  if (isPrivateHost(parsed.hostname)) {
    return {
      level: "warn",
      url,
      message: `webhooks: GitHub sends them to ${url} (${source})${unread}, a loopback or private address that GitHub cannot reach from outside: ${FIX}`,
    };
  }
  if (parsed.pathname !== WEBHOOK_PATH) {
    return {
      level: "warn",
      url,
      message: `webhooks: GitHub sends them to ${url} (${source}), but Sluice receives them only at ${WEBHOOK_PATH}: change the app's webhook URL to ${new URL(WEBHOOK_PATH, parsed).href}`,
    };
  }
  if (known && expected && input.hookUrl !== expected) {
    return {
      level: "warn",
      url,
      message: `webhooks: GitHub sends them to ${url} (${source}), which is not this server's SLUICE_PUBLIC_URL (${expected}): change one of them`,
    };
  }
  return {
    level: "info",
    url,
    message: `webhooks: GitHub sends them to ${url} (${source})${unread}, a public address: reachable from outside if it resolves and routes to this server`,
  };
}
