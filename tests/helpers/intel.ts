// The real CISA KEV catalog the intel tests read: ../shared/intel next to the checkout (override: GATEHOUSE_TEST_INTEL_DIR).
import path from "node:path";

export const KEV_FILE = path.join(
  process.env.GATEHOUSE_TEST_INTEL_DIR ?? path.resolve(import.meta.dirname, "../../../shared/intel"),
  "known_exploited_vulnerabilities.json",
);
