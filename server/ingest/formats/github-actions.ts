// GitHub Actions workflows and action definitions (action.yml), read as YAML and checked by Gatehouse's own rules.
import { analyzeGithub, githubKindOf } from "../../posture/github-actions";
import { postureReport } from "../../posture/to-findings";
import { ReportSchemaError, type Document, type FormatModule, type ParseContext, type ParsedReport } from "../types";
import { normalizePath, str } from "../util";

const FORMAT = "github-actions" as const;

function detect(doc: Document): boolean {
  return doc.type === "yaml" && githubKindOf(doc.value) !== undefined;
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  if (doc.type !== "yaml" || !githubKindOf(doc.value))
    throw new ReportSchemaError(FORMAT, "$", "expected a GitHub Actions workflow (on + jobs) or an action definition (runs)");
  const { kind, findings } = analyzeGithub(doc);
  const file = normalizePath(ctx.sourcePath);
  const name = str(doc.value.name);
  const identity = file ?? `${kind === "workflow" ? "workflow" : "action"}:${name ?? "unnamed"}`;
  const warnings = file
    ? []
    : [
        `The upload did not name the file (path=…): its findings are kept under "${identity}". Upload with \`gatehouse scan upload <file>\`, which sends the path.`,
      ];
  return postureReport(FORMAT, { platform: FORMAT, file, identity }, findings, ctx, warnings);
}

export const githubActionsFormat: FormatModule<"github-actions"> = {
  id: FORMAT,
  name: "GitHub Actions workflow",
  aliases: ["github-workflow", "actions", "pipeline"],
  detect,
  parse,
};
