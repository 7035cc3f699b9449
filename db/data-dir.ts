// The embedded database's directory belongs to the account that runs Gatehouse alone: PGlite writes its files with
// mode 0666 (less the umask), and a local user who can read the WAL can read sessions and secrets.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Makes the data directory owner-only before anything opens it: a umask of 077 for every file created from now on
 * (PGlite keeps creating WAL segments), then the modes of what an older version left behind, repaired.
 */
export function secureDataDir(dataDir: string): { repaired: number } {
  process.umask(0o077);
  const root = path.resolve(/* turbopackIgnore: true */ dataDir);
  mkdirSync(root, { recursive: true, mode: DIR_MODE });
  return { repaired: repairModes(root) };
}

/** chmod 0700 for folders and 0600 for files under root (root included); symbolic links are left alone. */
export function repairModes(root: string): number {
  let repaired = 0;
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? DIR_MODE : FILE_MODE;
    if ((st.mode & 0o777) !== want) {
      chmodSync(p, want);
      repaired++;
    }
    if (st.isDirectory()) for (const entry of readdirSync(p)) walk(path.join(p, entry));
  };
  walk(root);
  return repaired;
}
