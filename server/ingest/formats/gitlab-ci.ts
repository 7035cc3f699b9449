// GitLab CI/CD configuration (.gitlab-ci.yml), read as YAML and checked by Gatehouse's own rules.
import { isGitlabCi, analyzeGitlab } from "../../posture/gitlab-ci";
import { postureReport } from "../../posture/to-findings";
import { ReportSchemaError, type Document, type FormatModule, type ParseContext, type ParsedReport } from "../types";
import { normalizePath } from "../util";

const FORMAT = "gitlab-ci" as const;

function detect(doc: Document): boolean {
  return doc.type === "yaml" && isGitlabCi(doc.value);
}

function parse(doc: Document, ctx: ParseContext): ParsedReport {
  if (doc.type !== "yaml" || !isGitlabCi(doc.value))
    throw new ReportSchemaError(FORMAT, "$", "expected a GitLab CI configuration");
  const file = normalizePath(ctx.sourcePath);
  // The conventional path: one .gitlab-ci.yml per project.
  const identity = file ?? ".gitlab-ci.yml";
  return postureReport(FORMAT, { platform: FORMAT, file: identity, identity }, analyzeGitlab(doc), ctx, []);
}

export const gitlabCiFormat: FormatModule<"gitlab-ci"> = {
  id: FORMAT,
  name: "GitLab CI configuration",
  aliases: ["gitlab-ci.yml", "pipeline"],
  detect,
  parse,
};
