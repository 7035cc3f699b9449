// Every supported format, in detection order: the first whose detect() matches wins.
import type { FormatId, FormatModule } from "../types";
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

export const FORMATS: readonly FormatModule[] = [
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
];

const byId = new Map<FormatId, FormatModule>(FORMATS.map((f) => [f.id, f]));

export const formatById = (id: FormatId): FormatModule | undefined => byId.get(id);
