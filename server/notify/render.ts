// How an event reads to a person: a Slack-compatible message and an e-mail. Pure.
import type { EventPayload } from "./events";

const TITLES: Record<string, string> = {
  "stage.out_of_policy": "Out of policy",
  "stage.back_in_policy": "Back in policy",
  "gate.bypass": "Gate bypass",
  "gate.blocked": "Gate blocked",
  "waiver.requested": "Waiver requested",
  "waiver.approved": "Waiver approved",
  "waiver.expiring": "Waiver expiring",
  "sla.breached": "SLA breached",
  "scan.failed": "Scan failed",
  "scanner_db.stale": "Stale scanner database",
  "pipeline.silent": "Pipeline silent",
  "notification.test": "Test",
};

type Check = { title?: string; message?: string; remediation?: string };

const checksOf = (data: EventPayload["data"]): Check[] =>
  Array.isArray(data.failingChecks) ? (data.failingChecks as Check[]).slice(0, 5) : [];

/** Slack mrkdwn treats &, < and > as markup. */
const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function eventTitle(p: EventPayload): string {
  return `[Gatehouse] ${TITLES[p.type] ?? p.type}: ${p.data.summary}`;
}

/** A Slack (or Mattermost, Rocket.Chat…) incoming-webhook message: readable text and a link. */
export function slackMessage(p: EventPayload): { text: string } {
  const lines = [`*${slackEscape(TITLES[p.type] ?? p.type)}*: ${slackEscape(p.data.summary)}`];
  for (const c of checksOf(p.data)) {
    lines.push(`• ${slackEscape(c.title ?? "")}: ${slackEscape(c.message ?? "")}`);
    if (c.remediation) lines.push(`   _Fix:_ ${slackEscape(c.remediation)}`);
  }
  lines.push(`<${p.data.url}|Open in Gatehouse>`);
  return { text: lines.join("\n") };
}

/** A plain-text e-mail: the summary, the failing checks with their fixes, and the link. */
export function emailMessage(p: EventPayload): { subject: string; text: string } {
  const lines = [p.data.summary, ""];
  const checks = checksOf(p.data);
  if (checks.length) {
    lines.push("Failing checks:");
    for (const c of checks) {
      lines.push(`- ${c.title ?? ""}: ${c.message ?? ""}`);
      if (c.remediation) lines.push(`  Fix: ${c.remediation}`);
    }
    lines.push("");
  }
  lines.push(`Open in Gatehouse: ${p.data.url}`, "", `Event ${p.type} at ${p.timestamp}.`);
  // Subjects are one line: a newline in data must not start a header.
  return {
    subject: eventTitle(p)
      .replace(/[\r\n]+/g, " ")
      .slice(0, 200),
    text: lines.join("\n"),
  };
}
