// Every REST route with its contract: the OpenAPI document is generated from this list (npm run openapi:generate),
// and tests/unit/openapi.test.ts fails when a route file under app/api is missing from it.
import * as health from "./health/route";
import * as keys from "./v1/keys/route";
import * as subscription from "./v1/notifications/subscriptions/[id]/route";
import * as subscriptionDeliveries from "./v1/notifications/subscriptions/[id]/deliveries/route";
import * as subscriptionTest from "./v1/notifications/subscriptions/[id]/test/route";
import * as subscriptions from "./v1/notifications/subscriptions/route";
import * as serviceStages from "./v1/services/[slug]/stages/route";
import * as attestation from "./v1/gate/decisions/[id]/attestation/route";
import * as audit from "./v1/audit/route";
import * as deployments from "./v1/deployments/route";
import * as findings from "./v1/findings/route";
import * as decision from "./v1/gate/decisions/[id]/route";
import * as decisions from "./v1/gate/decisions/route";
import * as gate from "./v1/gate/route";
import * as policy from "./v1/policies/[stage]/route";
import * as policyVersions from "./v1/policies/[stage]/versions/route";
import * as scan from "./v1/scans/[id]/route";
import * as scans from "./v1/scans/route";
import * as service from "./v1/services/[slug]/route";
import * as services from "./v1/services/route";
import * as approveWaiver from "./v1/waivers/[id]/approve/route";
import * as revokeWaiver from "./v1/waivers/[id]/revoke/route";
import * as waivers from "./v1/waivers/route";

export const API_ROUTES = [
  health.GET,
  audit.GET,
  deployments.POST,
  gate.POST,
  decisions.GET,
  decision.GET,
  attestation.GET,
  keys.GET,
  policy.GET,
  policy.PUT,
  policyVersions.GET,
  scans.POST,
  scan.GET,
  services.GET,
  service.GET,
  serviceStages.GET,
  findings.GET,
  waivers.GET,
  waivers.POST,
  approveWaiver.POST,
  revokeWaiver.POST,
  subscriptions.GET,
  subscriptions.POST,
  subscription.DELETE,
  subscriptionTest.POST,
  subscriptionDeliveries.GET,
];
