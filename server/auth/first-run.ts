// At start-up with no users: print a one-time link for the first admin. There are no default credentials.
import type { Database } from "@/db/client";
import { firstRunSetupLink } from "./setup-links";
import { SETUP_LINK_MINUTES } from "./settings";

/** Prints the link (stdout, not the log: it is a credential for the next hour) and returns it, or null. */
export async function announceFirstRun(
  db: Database,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<string | null> {
  const link = await firstRunSetupLink({ db, actor: { type: "system", label: "first-run" }, now: () => new Date() });
  if (!link) return null;
  write(
    [
      "",
      "  Gatehouse has no users yet. Create the first admin account here",
      `  (valid ${SETUP_LINK_MINUTES} minutes, usable once; restart or run \`gatehouse admin create --email …\` for a new one):`,
      "",
      `    ${link.url}`,
      "",
      "",
    ].join("\n"),
  );
  return link.url;
}
