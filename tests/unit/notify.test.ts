// The pure parts of notifications and re-checks: Standard Webhooks signatures (against the specification's own
// example), target safety, the moment time may change a stage's answer, and the messages people read.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICIES } from "@/server/gate/policy";
import type { GateInput } from "@/server/gate/types";
import { retryDelayMs } from "@/server/notify/deliver";
import { emailMessage, slackMessage } from "@/server/notify/render";
import { generateWebhookSecret, signWebhook } from "@/server/notify/signature";
import { checkWebhookUrl, isForbiddenAddress, maskUrl, parseAllowHosts } from "@/server/notify/target-safety";
import { nextTimeChange } from "@/server/recheck/predict";

describe("Standard Webhooks signature", () => {
  it("matches the specification's reference library example", () => {
    // From the standard-webhooks test vectors: secret, id, timestamp and payload give this signature.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("makes 32-byte secrets and signs id.timestamp.body with the decoded key", () => {
    const secret = generateWebhookSecret();
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    const key = Buffer.from(secret.slice(6), "base64");
    const expected = createHmac("sha256", key).update("msg_1.1700000000.{}").digest("base64");
    expect(signWebhook(secret, "msg_1", 1700000000, "{}")).toBe(`v1,${expected}`);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

describe("webhook targets", () => {
  const none = parseAllowHosts("");
  it("refuses private, loopback, link-local and reserved addresses, IPv4-mapped ones too", () => {
    for (const ip of [
      "10.0.0.1",
      "127.0.0.1",
      "169.254.169.254",
      "172.16.5.4",
      "192.168.1.1",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
      "224.0.0.1",
    ])
      expect(isForbiddenAddress(ip), ip).toBe(true);
    for (const ip of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"])
      expect(isForbiddenAddress(ip), ip).toBe(false);
  });

  it("wants https unless the host is listed; a listed name or address also opens private targets", () => {
    expect(() => checkWebhookUrl("http://hooks.example.com/x", none)).toThrow(/https/);
    expect(() => checkWebhookUrl("https://10.0.0.5/x", none)).toThrow(/private/);
    expect(() => checkWebhookUrl("https://LOCALHOST/x", none)).toThrow(/private/);
    expect(checkWebhookUrl("https://hooks.example.com/x#frag", none).toString()).toBe("https://hooks.example.com/x");
    const allow = parseAllowHosts("hooks.internal, 10.0.0.5, 192.168.10.0/24, [::1]");
    expect(checkWebhookUrl("http://hooks.internal:8080/x", allow).host).toBe("hooks.internal:8080");
    expect(checkWebhookUrl("https://10.0.0.5/x", allow).hostname).toBe("10.0.0.5");
    expect(checkWebhookUrl("http://192.168.10.7/x", allow).hostname).toBe("192.168.10.7");
    expect(checkWebhookUrl("http://[::1]:9/x", allow).hostname).toBe("[::1]");
    expect(() => checkWebhookUrl("https://10.0.0.6/x", allow)).toThrow(/private/);
  });

  it("shows a Slack URL without its secret path and a webhook without its query", () => {
    expect(maskUrl(new URL("https://hooks.slack.com/services/T0/B0/secret"), "slack")).toBe("https://hooks.slack.com/services/…"); // secretlint-disable-line -- a made-up webhook
    expect(maskUrl(new URL("https://h.example.com/in?token=abc"), "webhook")).toBe("https://h.example.com/in?…");
  });
});

describe("retries", () => {
  it("back off exponentially with a bounded, reproducible jitter", () => {
    const d = [1, 2, 3, 4, 5].map((n) => retryDelayMs("msg_x", n));
    expect(d[0]).toBeGreaterThanOrEqual(8_000);
    expect(d[0]).toBeLessThanOrEqual(12_000);
    for (let i = 1; i < d.length; i++) expect(d[i]! / d[i - 1]!).toBeGreaterThan(1.3);
    expect(retryDelayMs("msg_x", 3)).toBe(d[2]);
    expect(retryDelayMs("msg_x", 30)).toBeLessThanOrEqual(4 * 3_600_000 * 1.2);
  });
});

describe("when time alone may change a stage's answer", () => {
  const now = new Date("2026-01-10T00:00:00Z");
  const base: GateInput = {
    now,
    stage: "production",
    commit: "c",
    artifact: null,
    findings: [],
    waivers: [],
    evidence: [],
    previousStage: null,
    scorecardGrade: null,
  };
  const finding = (severity: "high" | "critical", firstSeen: string) => ({
    id: "f",
    fingerprint: "f",
    severity,
    riskArea: 1,
    kind: "dependency" as const,
    ruleId: "r",
    title: "t",
    vulnerabilityId: null,
    aliases: [],
    firstSeenAt: new Date(firstSeen),
    packageName: null,
    packageVersion: null,
    fixedVersions: [],
    file: null,
  });

  it("is the earliest of SLA deadlines, evidence age limits and waiver expiries still ahead", () => {
    const input: GateInput = {
      ...base,
      findings: [finding("high", "2026-01-01T00:00:00Z"), finding("critical", "2025-12-01T00:00:00Z")],
      evidence: [
        {
          scanId: "s",
          tool: "t",
          kinds: ["sast"],
          status: "complete",
          receivedAt: new Date("2026-01-08T00:00:00Z"),
          scannedAt: new Date("2026-01-08T00:00:00Z"),
          scannerDbBuiltAt: null,
          artifact: null,
        },
      ],
      waivers: [
        {
          id: "w",
          match: { type: "rule", value: "r" },
          kind: "waiver",
          reason: "x",
          expiresAt: new Date("2026-02-01T00:00:00Z"),
        },
      ],
    };
    // Production: SLA (high 30 days → Jan 31), evidence at most 7 days old (Jan 15), the waiver (Feb 1).
    expect(nextTimeChange(input, DEFAULT_POLICIES.production)?.toISOString()).toBe("2026-01-15T00:00:00.001Z");
    expect(nextTimeChange({ ...input, evidence: [] }, DEFAULT_POLICIES.production)?.toISOString()).toBe(
      "2026-01-31T00:00:00.001Z",
    );
    expect(nextTimeChange(base, DEFAULT_POLICIES.production)).toBeNull();
  });
});

describe("messages", () => {
  const p = {
    type: "stage.out_of_policy",
    timestamp: "2026-01-01T00:00:00.000Z",
    data: {
      summary: "shop in production is out of policy: <At most 0 critical findings>",
      url: "https://gatehouse.example.com/services/shop#stages",
      failingChecks: [
        { title: "At most 0 critical findings", message: "1 open critical finding (max 0).", remediation: "Upgrade a → b" },
      ],
    },
  };
  it("a Slack message escapes markup and links to Gatehouse", () => {
    const m = slackMessage(p);
    expect(m.text).toContain("*Out of policy*: shop in production is out of policy: &lt;At most 0 critical findings&gt;");
    expect(m.text).toContain("_Fix:_ Upgrade a → b");
    expect(m.text).toMatch(/<https:\/\/gatehouse\.example\.com\/services\/shop#stages\|Open in Gatehouse>$/);
  });
  it("an e-mail has a one-line subject, the fixes and the link", () => {
    const m = emailMessage({ ...p, data: { ...p.data, summary: "line one\r\nBcc: x@example.com" } });
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).toContain("Fix: Upgrade a → b");
    expect(m.text).toContain("Open in Gatehouse: https://gatehouse.example.com/services/shop#stages");
  });
});
