// The format registry: every supported format, one line each, in detection order (the first whose detect()
// matches wins). Format ids, friendly names and the API's list of formats all come from here.
import type { FormatModule } from "../types";
import { anchoreFormat } from "./anchore";
import { banditFormat } from "./bandit";
import { checkovFormat } from "./checkov";
import { cyclonedxJsonFormat } from "./cyclonedx-json";
import { cyclonedxXmlFormat } from "./cyclonedx-xml";
import { dependencyCheckJsonFormat } from "./dependency-check-json";
import { dependencyCheckXmlFormat } from "./dependency-check-xml";
import { dockleFormat } from "./dockle";
import { gatehouseFormat } from "./gatehouse";
import { githubCodeScanningFormat } from "./github-code-scanning";
import { githubActionsFormat } from "./github-actions";
import { githubDependabotFormat } from "./github-dependabot";
import { githubSecretScanningFormat } from "./github-secret-scanning";
import { gitlabFormat } from "./gitlab";
import { gitlabCiFormat } from "./gitlab-ci";
import { gitleaksFormat } from "./gitleaks";
import { grypeJsonFormat } from "./grype-json";
import { hadolintFormat } from "./hadolint";
import { kicsFormat } from "./kics";
import { npmAuditFormat } from "./npm-audit";
import { osvScannerFormat } from "./osv-scanner";
import { poutineFormat } from "./poutine";
import { sarifFormat } from "./sarif";
import { scorecardFormat } from "./scorecard";
import { semgrepAppFormat } from "./semgrep-app";
import { semgrepJsonFormat } from "./semgrep-json";
import { snykFormat } from "./snyk";
import { spdxJsonFormat } from "./spdx-json";
import { tfsecFormat } from "./tfsec";
import { trivyJsonFormat } from "./trivy-json";
import { trivyOperatorFormat } from "./trivy-operator";
import { trufflehogFormat } from "./trufflehog";
import { trufflehog3Format } from "./trufflehog3";
import { yarnAuditFormat } from "./yarn-audit";
import { zapJsonFormat } from "./zap-json";
import { zapXmlFormat } from "./zap-xml";
import { zizmorFormat } from "./zizmor";

export const FORMATS = [
  gatehouseFormat,
  // zizmor and poutine write SARIF too: their own modules read it before the generic SARIF parser.
  zizmorFormat,
  poutineFormat,
  sarifFormat,
  cyclonedxJsonFormat,
  spdxJsonFormat,
  trivyJsonFormat,
  trivyOperatorFormat,
  grypeJsonFormat,
  npmAuditFormat,
  osvScannerFormat,
  checkovFormat,
  tfsecFormat,
  kicsFormat,
  zapJsonFormat,
  semgrepJsonFormat,
  semgrepAppFormat,
  banditFormat,
  dependencyCheckJsonFormat,
  snykFormat,
  dockleFormat,
  gitlabFormat,
  scorecardFormat,
  githubDependabotFormat,
  githubCodeScanningFormat,
  githubSecretScanningFormat,
  anchoreFormat,
  gitleaksFormat,
  hadolintFormat,
  trufflehogFormat,
  trufflehog3Format,
  yarnAuditFormat,
  zapXmlFormat,
  cyclonedxXmlFormat,
  dependencyCheckXmlFormat,
  githubActionsFormat,
  gitlabCiFormat,
] as const;

/** A format's id: one of the registry's. */
export type FormatId = (typeof FORMATS)[number]["id"];
// Fails to compile when a module is typed `FormatModule` without its literal id (FormatId would widen to string).
const literalIds: string extends FormatId ? never : true = true;
void literalIds;

export const FORMAT_IDS: readonly FormatId[] = FORMATS.map((f) => f.id);

const byId = new Map<string, FormatModule>(FORMATS.map((f) => [f.id, f]));

/** The registered format with this id, or undefined. */
export const formatById = (id: string): FormatModule | undefined => byId.get(id);

/**
 * Friendly names for `format=` and the formats each may mean, from the modules' `aliases`. Formats named after
 * the alias come first ("semgrep" → semgrep-json, semgrep-app, then SARIF, which Semgrep also writes): the first
 * is the one an ambiguous empty report (`[]`) is read as. Otherwise registry order.
 */
export const FORMAT_ALIASES: ReadonlyMap<string, readonly FormatModule[]> = aliasTable(FORMATS);

function aliasTable(formats: readonly FormatModule[]): Map<string, FormatModule[]> {
  const table = new Map<string, FormatModule[]>();
  for (const f of formats) {
    for (const alias of f.aliases ?? []) table.set(alias, [...(table.get(alias) ?? []), f]);
  }
  for (const [alias, list] of table) {
    const own = (f: FormatModule) => (f.id.startsWith(alias) ? 0 : 1);
    table.set(
      alias,
      [...list].sort((a, b) => own(a) - own(b)),
    );
  }
  return table;
}
