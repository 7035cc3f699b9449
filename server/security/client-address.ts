// The client's address: the socket peer, or, only when that peer is a trusted reverse proxy, the nearest address in
// X-Forwarded-For that is not itself a trusted proxy. A client cannot choose its address by sending the header.
import { BlockList, isIP } from "node:net";

export type Cidr = { address: string; prefix: number; family: "ipv4" | "ipv6" };

/** "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = "", bits, extra] = text.trim().split("/");
  if (extra !== undefined) return undefined;
  const address = unmapIpv4(addr);
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? "ipv4" : "ipv6" };
}

/** Splits a list ("10.0.0.0/8, 192.168.1.7") into CIDRs; the malformed entries are returned apart. */
export function parseCidrList(text: string): { cidrs: Cidr[]; bad: string[] } {
  const cidrs: Cidr[] = [];
  const bad: string[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const c = parseCidr(entry);
    if (c) cidrs.push(c);
    else bad.push(entry);
  }
  return { cidrs, bad };
}

/** "::ffff:10.1.2.3" (an IPv4 client of a dual-stack socket) is 10.1.2.3. */
export function unmapIpv4(address: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1]! : address;
}

export type ProxyTrust = (address: string) => boolean;

export function trustedProxies(cidrs: readonly Cidr[]): ProxyTrust {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return (address) => {
    const a = unmapIpv4(address);
    const v = isIP(a);
    return v !== 0 && list.check(a, v === 4 ? "ipv4" : "ipv6");
  };
}

/** One X-Forwarded-For hop as an address ("1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443"), or undefined. */
function hopAddress(hop: string): string | undefined {
  const h = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(h);
  const a = unmapIpv4(bracketed?.[1] ?? withPort?.[1] ?? h);
  return isIP(a) ? a : undefined;
}

/**
 * Walks from the socket peer towards the client: each trusted proxy vouches for the hop before it. The answer is the
 * first address that is not a trusted proxy (or the last one a trusted proxy named, if all of them are).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string {
  let current = unmapIpv4(peer ?? "");
  if (!current || !trust(current)) return current;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const hops = header.split(",").filter((h) => h.trim() !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i]!);
    // A malformed hop was written by someone we cannot vouch for: the last address a trusted proxy gave stands.
    if (!hop) return current;
    current = hop;
    if (!trust(current)) return current;
  }
  return current;
}

/** The key that sign-in limits count an address under: an IPv6 client owns at least a /64, so that is one address. */
export function addressKey(address: string | undefined): string {
  const a = unmapIpv4(address ?? "");
  if (isIP(a) !== 6) return a || "unknown";
  return `${expandIpv6(a).slice(0, 4).join(":")}::/64`;
}

function expandIpv6(a: string): string[] {
  const [head = "", tail] = a.toLowerCase().split("%")[0]!.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail counts as two groups.
  const last = right.at(-1) ?? left.at(-1) ?? "";
  if (last.includes(".")) {
    const [p, q, r, s] = last.split(".").map(Number) as [number, number, number, number];
    const groups = [((p << 8) | q).toString(16), ((r << 8) | s).toString(16)];
    if (right.length) right.splice(-1, 1, ...groups);
    else left.splice(-1, 1, ...groups);
  }
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => (g.replace(/^0+/, "") || "0").padStart(1, "0"));
}
