// The pure pieces of issue 11's hardening: client addresses and forwarded hosts behind trusted proxies, malformed
// paths, the text rules of every request, the password rules, and the sealing of the instance's secrets.
import { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { passwordProblem } from "@/server/auth/password";
import { slowdownMs } from "@/server/auth/sign-in";
import { parseEnv } from "@/server/env";
import { addressKey, clientAddress, parseCidr, parseCidrList, trustedProxies } from "@/server/security/client-address";
import { frontDoor, fromThisMachine, isMalformedPath } from "@/server/security/front-door";
import { deriveInstanceKey, InstanceKeyError, seal, unseal, unsealedWarning } from "@/server/security/instance-secrets";
import { findUnsafeValue, multilineTextSchema, singleLineSchema } from "@/server/validation";

describe("client addresses", () => {
  const trust = trustedProxies(parseCidrList("10.0.0.0/8, 192.168.1.7, fd00::/8").cidrs);

  it("parses CIDRs and bare addresses, and names the bad ones", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseCidr("2001:db8::/32")).toEqual({ address: "2001:db8::", prefix: 32, family: "ipv6" });
    expect(parseCidr("192.168.1.7")).toMatchObject({ prefix: 32 });
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "example.com", "10.0.0.0/8/1", "::/129", "1.2.3.4/x"])
      expect(parseCidr(bad), bad).toBeUndefined();
    expect(parseCidrList("10.0.0.0/8 nope ::1").bad).toEqual(["nope"]);
  });

  it("takes X-Forwarded-For only from a trusted peer, walking back over trusted proxies", () => {
    // An untrusted peer: whatever it claims is ignored.
    expect(clientAddress("203.0.113.9", "198.51.100.1", trust)).toBe("203.0.113.9");
    // A trusted proxy: the hop before it.
    expect(clientAddress("10.1.2.3", "198.51.100.1", trust)).toBe("198.51.100.1");
    // Two trusted proxies in a row; an address the client put first is not believed past an untrusted hop.
    expect(clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.168.1.7", trust)).toBe("198.51.100.1");
    expect(clientAddress("::ffff:10.1.2.3", ["198.51.100.1:5555"], trust)).toBe("198.51.100.1");
    expect(clientAddress("fd00::1", "[2001:db8::7]:443", trust)).toBe("2001:db8::7");
    // Garbage in the header: the last address a trusted proxy vouched for.
    expect(clientAddress("10.1.2.3", "not-an-ip", trust)).toBe("10.1.2.3");
    expect(clientAddress("10.1.2.3", undefined, trust)).toBe("10.1.2.3");
    // Nobody trusted: the socket peer, always.
    expect(clientAddress("10.1.2.3", "198.51.100.1", trustedProxies([]))).toBe("10.1.2.3");
  });

  it("counts an IPv6 client by its /64 and an IPv4 client by its address", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::42")).toBe(addressKey("2001:db8::43"));
    expect(addressKey("2001:db8::42")).not.toBe(addressKey("2001:db8:0:1::42"));
    expect(addressKey("::ffff:198.51.100.4")).toBe("198.51.100.4");
    expect(addressKey(undefined)).toBe("unknown");
  });

  it("validates GATEHOUSE_TRUSTED_PROXIES, GATEHOUSE_SECRET_KEY and the migration URL at start-up", () => {
    expect(parseEnv({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.0/8,::1" }).GATEHOUSE_TRUSTED_PROXIES).toHaveLength(2);
    expect(parseEnv({}).GATEHOUSE_TRUSTED_PROXIES).toEqual([]);
    expect(() => parseEnv({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal" })).toThrow(
      /GATEHOUSE_TRUSTED_PROXIES: not an address or CIDR: proxy.internal/,
    );
    expect(() => parseEnv({ GATEHOUSE_SECRET_KEY: "short" })).toThrow(
      /GATEHOUSE_SECRET_KEY: must be at least 32 characters \(got \[redacted\]\)/,
    );
    expect(() => parseEnv({ GATEHOUSE_MIGRATION_DATABASE_URL: "postgres://owner:pw@db/gh" })).toThrow(/needs DATABASE_URL/); // secretlint-disable-line -- a made-up credential
    // A database URL may carry a password: never echoed.
    expect(() => parseEnv({ DATABASE_URL: "mysql://user:hunter2@db/x" })).toThrow(/\[redacted\]/); // secretlint-disable-line -- a made-up credential: the redaction test
  });
});

describe("paths Next.js cannot decode", () => {
  it("are malformed: bad escapes, invalid UTF-8, control characters; good ones are not", () => {
    for (const p of ["/findings/%ff%fe", "/a/%E0%A4%A", "/a/%", "/a/%zz", "/a/%c0%af", "/a/%00", "/a/%0a", "/a/%ed%a0%80"])
      expect(isMalformedPath(p), p).toBe(true);
    for (const p of ["/", "/findings/fnd_01", "/services/caf%C3%A9?x=%ff", "/a%20b", "/api/v1/scans?service=x"])
      expect(isMalformedPath(p), p).toBe(false);
  });
});

describe("text in requests", () => {
  it("refuses NUL, other control characters and lone surrogates on one line; free text keeps line breaks", () => {
    const line = singleLineSchema(50);
    expect(line.parse("  feature/x ")).toBe("feature/x");
    for (const bad of ["a\u0000b", "a\nb", "x\u001b[31m", "\ud800", ""])
      expect(line.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    const text = multilineTextSchema(100);
    expect(text.parse("line one\nline\ttwo")).toBe("line one\nline\ttwo");
    for (const bad of ["a\u0000b", "\udfff tail", "bell\u0007"])
      expect(text.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it("finds a NUL or lone surrogate anywhere in a value, keys included, and a too deep or too large value", () => {
    expect(findUnsafeValue({ a: [1, "ok", { b: "fine" }] })).toBeUndefined();
    expect(findUnsafeValue({ a: [1, { b: "x\u0000" }] })).toEqual({ path: "a[1].b", problem: expect.stringContaining("NUL") });
    expect(findUnsafeValue({ "k\ud800": 1 })?.problem).toContain("key");
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnsafeValue(deep, { maxDepth: 32 })?.problem).toContain("deeper than 32");
    expect(findUnsafeValue(Array(50).fill(1), { maxNodes: 10 })?.problem).toContain("more than 10");
    // The path in the message is printable.
    expect(findUnsafeValue({ "a\u0000": "\u0000" })!.path).toBe("a?");
  });
});

describe("new passwords", () => {
  it("refuses one on the common-password list, also dressed with digits and symbols", async () => {
    expect(await passwordProblem("qwertyuiop123", "pat@example.com")).toMatch(/commonly used/);
    expect(await passwordProblem("1q2w3e4r5t6y", "pat@example.com")).toMatch(/commonly used/);
    expect(await passwordProblem("Password1234!", "pat@example.com")).toMatch(/commonly used/);
    expect(await passwordProblem("!!monkey123456", "pat@example.com")).toMatch(/commonly used/);
  });

  it("refuses one that contains the email's name or the service's", async () => {
    expect(await passwordProblem("my name is Olivia.Smith!", "olivia.smith@example.com")).toMatch(/email address's name/);
    expect(await passwordProblem("open the gatehouse door", "x@example.com")).toMatch(/this service/);
  });

  it("accepts a long passphrase of its own", async () => {
    expect(await passwordProblem("correct horse battery staple", "olivia@example.com")).toBeNull();
    // A very short email name is not a word to refuse.
    expect(await passwordProblem("a quiet evening by the lake", "al@example.com")).toBeNull();
  });
});

describe("sign-in slow-down", () => {
  it("waits half a second per account failure past five, at most five seconds, and never refuses", () => {
    expect([0, 5, 6, 7, 14, 15, 100].map(slowdownMs)).toEqual([0, 0, 500, 1000, 4500, 5000, 5000]);
  });
});

describe("sealed instance secrets", () => {
  const key = deriveInstanceKey("a".repeat(40));

  it("opens only with the same key and for the same setting", () => {
    const sealed = seal(key, "secret_salt", "0123abcd");
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("0123abcd");
    expect(seal(key, "secret_salt", "0123abcd")).not.toBe(sealed);
    expect(unseal(key, "secret_salt", sealed)).toBe("0123abcd");
    expect(() => unseal(deriveInstanceKey("b".repeat(40)), "secret_salt", sealed)).toThrow(InstanceKeyError);
    expect(() => unseal(key, "auth_secret", sealed)).toThrow(InstanceKeyError);
    expect(() => unseal(key, "secret_salt", "v1.AAAA")).toThrow(InstanceKeyError);
  });

  it("says what running without a key exposes", () => {
    expect(unsealedWarning(false)).toMatch(/GATEHOUSE_SECRET_KEY is not set/);
    expect(unsealedWarning(false)).toMatch(/test guessed secrets offline/);
    expect(unsealedWarning(false)).toMatch(/forge a session cookie/);
    expect(unsealedWarning(true)).not.toMatch(/session/);
  });
});

describe("the forwarded host and scheme", () => {
  // A request as the HTTP server hands it over, from a peer at `remote` to this server at `local`.
  function request(remote: string, local: string, headers: Record<string, string>): IncomingMessage {
    const req = new IncomingMessage({ remoteAddress: remote, localAddress: local } as Socket);
    req.url = "/auth/sign-in";
    req.headers = { host: "gatehouse.internal:3000", ...headers };
    return req;
  }
  const forged = {
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    forwarded: "host=evil.example;proto=https",
  };
  const admitted = (door: ReturnType<typeof frontDoor>, req: IncomingMessage) => {
    expect(door.admit(req, new ServerResponse(req), "req_1")).toBe(true);
    return req.headers;
  };

  it("drops them from a client that is neither a trusted proxy nor this machine", () => {
    const door = frontDoor({ trustedProxies: parseCidrList("10.0.0.0/8").cidrs, https: false, dev: false });
    const h = admitted(door, request("203.0.113.9", "192.0.2.2", forged));
    for (const name of Object.keys(forged)) expect(h[name], name).toBeUndefined();
    expect(h.host).toBe("gatehouse.internal:3000");
    expect(admitted(door, request("::ffff:198.51.100.4", "::ffff:192.0.2.2", forged))["x-forwarded-host"]).toBeUndefined();
  });

  it("keeps them from a trusted proxy and from this machine (Next.js renders a server action's redirect through itself)", () => {
    const door = frontDoor({ trustedProxies: parseCidrList("10.0.0.0/8").cidrs, https: false, dev: false });
    expect(admitted(door, request("10.1.2.3", "10.9.9.9", forged))).toMatchObject(forged);
    expect(admitted(door, request("127.0.0.1", "127.0.0.1", forged))).toMatchObject(forged);
    expect(admitted(door, request("::1", "::1", forged))).toMatchObject(forged);
    // Bound to one interface, the server's own fetch comes from that interface's address.
    expect(admitted(door, request("192.0.2.2", "192.0.2.2", forged))).toMatchObject(forged);
  });

  it("tells this machine from the rest by the socket's addresses alone", () => {
    expect(fromThisMachine({ remoteAddress: "127.3.4.5", localAddress: "127.0.0.1" })).toBe(true);
    expect(fromThisMachine({ remoteAddress: "::ffff:127.0.0.1", localAddress: "::ffff:127.0.0.1" })).toBe(true);
    expect(fromThisMachine({ remoteAddress: "::ffff:192.0.2.2", localAddress: "192.0.2.2" })).toBe(true);
    expect(fromThisMachine({ remoteAddress: "192.0.2.3", localAddress: "192.0.2.2" })).toBe(false);
    expect(fromThisMachine({ remoteAddress: "1270.0.0.1", localAddress: "192.0.2.2" })).toBe(false);
    expect(fromThisMachine({ remoteAddress: undefined, localAddress: undefined })).toBe(false);
  });
});
