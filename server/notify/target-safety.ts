// Where Gatehouse may send a webhook: https (or http to a host the operator lists), and never to a private,
// loopback or link-local address unless the operator lists it (GATEHOUSE_WEBHOOK_ALLOW_HOSTS). The address is
// checked again when the request is made, on the address actually connected to, so DNS cannot rebind it.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { validation } from "../errors";

export type AllowHosts = { names: Set<string>; addresses: BlockList; raw: string[] };

const FORBIDDEN = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  FORBIDDEN.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  // Tunnels and translation that embed an IPv4 address (Teredo, 6to4, NAT64): refused whole.
  ["2001::", 32],
  ["2002::", 16],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
] as const)
  FORBIDDEN.addSubnet(net, bits, "ipv6");

const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();
const family = (ip: string) => (isIP(ip) === 6 ? "ipv6" : "ipv4");

/** True for private, loopback, link-local, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isForbiddenAddress(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 0) return true;
  return FORBIDDEN.check(ip, kind === 6 ? "ipv6" : "ipv4");
}

/** "hooks.internal, 10.0.0.5, 10.1.0.0/16, localhost" → names and addresses. */
export function parseAllowHosts(text: string | undefined): AllowHosts {
  const names = new Set<string>();
  const addresses = new BlockList();
  const raw = (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of raw) {
    const [addr, bits] = entry.split("/") as [string, string | undefined];
    const ip = bare(addr);
    if (isIP(ip) && bits !== undefined && /^\d{1,3}$/.test(bits)) addresses.addSubnet(ip, Number(bits), family(ip));
    else if (isIP(ip)) addresses.addAddress(ip, family(ip));
    else names.add(entry.toLowerCase().replace(/\.$/, ""));
  }
  return { names, addresses, raw };
}

const hostListed = (host: string, allow: AllowHosts) => {
  const h = bare(host).replace(/\.$/, "");
  return allow.names.has(h) || (isIP(h) !== 0 && allow.addresses.check(h, family(h)));
};
const addressListed = (ip: string, allow: AllowHosts) => isIP(ip) !== 0 && allow.addresses.check(ip, family(ip));

/** Refuses a webhook URL Gatehouse must not call; returns it normalised. */
export function checkWebhookUrl(text: string, allow: AllowHosts): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw validation("The webhook URL is not a valid URL.");
  }
  const listed = hostListed(url.hostname, allow);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && listed))
    throw validation(
      url.protocol === "http:"
        ? `The webhook URL must use https (http only to a host listed in GATEHOUSE_WEBHOOK_ALLOW_HOSTS).`
        : "The webhook URL must use https.",
    );
  if (url.username || url.password) throw validation("The webhook URL must not carry a user name or password.");
  const host = bare(url.hostname);
  const loopbackName = host === "localhost" || host.endsWith(".localhost");
  if (!listed && ((isIP(host) !== 0 && isForbiddenAddress(host)) || loopbackName))
    throw validation(
      `The webhook URL points at a private, loopback or link-local address (${host}); ` +
        "list it in GATEHOUSE_WEBHOOK_ALLOW_HOSTS to allow it.",
    );
  url.hash = "";
  return url;
}

export class TargetRefused extends Error {}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that resolves the name and refuses forbidden addresses unless listed, so the
 * connection goes to an address that was checked (no rebinding between the check and the connect).
 */
export function guardedLookup(allow: AllowHosts) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const ok = addresses.filter(
        (a) => !isForbiddenAddress(a.address) || hostListed(hostname, allow) || addressListed(a.address, allow),
      );
      if (ok.length === 0) {
        const e = new TargetRefused(
          `${hostname} resolves to a private, loopback or link-local address (${addresses.map((a) => a.address).join(", ")})`,
        ) as NodeJS.ErrnoException;
        e.code = "EGATEHOUSEREFUSED";
        return callback(e, []);
      }
      if (options.all) return callback(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

/** The check for a URL whose host is an address (no lookup happens then). */
export function refuseLiteral(url: URL, allow: AllowHosts): string | null {
  const host = bare(url.hostname);
  if (isIP(host) === 0) return null;
  return isForbiddenAddress(host) && !hostListed(host, allow)
    ? `${host} is a private, loopback or link-local address not listed in GATEHOUSE_WEBHOOK_ALLOW_HOSTS`
    : null;
}

/** What may be shown of a URL: scheme, host and path; a Slack-style secret path only as its first segment. */
export function maskUrl(url: URL, channel: "webhook" | "slack"): string {
  if (channel === "slack") {
    const first = url.pathname.split("/").filter(Boolean)[0];
    return `${url.protocol}//${url.host}/${first ? `${first}/` : ""}…`;
  }
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? "?…" : ""}`;
}
