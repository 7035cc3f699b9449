// GitHub secret-scanning alerts: the REST list (`GET /repos/…/secret-scanning/alerts`) and webhook payloads.
import type { Document, FormatModule, ParseContext, ParsedReport, RawFinding } from "../types";
import { isObj, line, normalizePath, str, type Obj } from "../util";
import { gh, restOrWebhookAlerts, webhookAlert, webhookCategory } from "./github-dependabot";
import { compact, compactProps, references } from "./trivy-json";

const FORMAT = "github-secret-scanning" as const;

const isRestAlert = (a: unknown) =>
  isObj(a) && typeof a.secret_type === "string" && ("secret" in a || "locations_url" in a || "number" in a);

function detect(doc: Document): boolean {
  if (doc.type !== "json") return false;
  const v = doc.value;
  if (Array.isArray(v)) return isRestAlert(v[0]);
  // `{}` (DefectDojo's "invalid" sample) is neither a list nor a webhook: not detected.
  const alert = webhookAlert(v);
  return alert !== undefined && typeof alert.secret_type === "string";
}

function alertFinding(a: Obj, ctx: ParseContext): RawFinding {
  const type = gh(a.secret_type) ?? "secret";
  // The alert carries the secret in clear: only its redaction is kept.
  const secret = typeof a.secret === "string" && a.secret.trim() !== "" ? ctx.redact(a.secret) : undefined;
  const loc = isObj(a.first_location_detected) ? a.first_location_detected : {};
  const state = gh(a.state)?.toLowerCase();
  return {
    kind: "secret",
    ruleId: type,
    title: gh(a.secret_type_display_name) ?? type,
    // Default: high — GitHub gives no severity, and a leaked credential is a high-impact finding until revoked.
    severity: "high",
    severityDefaulted: true,
    aliases: [],
    cwes: [798],
    // GitHub paths are repository-relative; the REST samples prefix a "/".
    location: compact({
      file: normalizePath(gh(loc.path))?.replace(/^\/+/, ""),
      startLine: line(loc.start_line),
      endLine: line(loc.end_line),
    }),
    secret,
    toolFingerprint: str(a.number) ? `secret-scanning-alert-${str(a.number)}` : undefined,
    references: references(gh(a.html_url), []),
    // Resolved (revoked, false positive, used in tests, won't fix): kept as evidence, never counted open.
    suppressed: state === "resolved" ? true : undefined,
    properties: compactProps({
      state,
      resolution: gh(a.resolution),
      validity: gh(a.validity),
      publiclyLeaked: typeof a.publicly_leaked === "boolean" ? a.publicly_leaked : undefined,
      pushProtectionBypassed: typeof a.push_protection_bypassed === "boolean" ? a.push_protection_bypassed : undefined,
    }),
  };
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  const v = doc.type === "json" ? doc.value : undefined;
  const findings = restOrWebhookAlerts(v, FORMAT, "secret-scanning").map((a) => alertFinding(a, ctx));
  const tool = { name: "GitHub secret scanning" };
  return {
    format: FORMAT,
    tool,
    parts: [{ tool, ...webhookCategory(v), succeeded: true, findings }],
    evidence: ["secrets"],
    warnings: [],
  };
}

export const githubSecretScanningFormat: FormatModule<"github-secret-scanning"> = {
  id: FORMAT,
  name: "GitHub secret scanning alerts",
  detect,
  parse,
};
