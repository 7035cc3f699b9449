// PGlite does not lock its data directory, and a second process that opens it silently loses writes.
// Whoever opens the embedded database first takes this lock; everyone else refuses or goes through it.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

export type LockInfo = {
  pid: number;
  host: string;
  holder: "server" | "cli";
  startedAt: string;
  /** the server's local admin endpoint, for CLI commands while it runs */
  adminUrl?: string;
  adminToken?: string;
};

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly info: LockInfo,
  ) {
    super(
      info.holder === "server"
        ? `the data directory ${dataDir} is in use by a running Gatehouse server (pid ${info.pid}); ` +
            `stop it first, or use another GATEHOUSE_DATA_DIR`
        : `the data directory ${dataDir} is in use by a gatehouse command (pid ${info.pid}); wait for it to finish`,
    );
    this.name = "DataDirLockedError";
  }
}

export const lockPath = (dataDir: string) => path.join(path.resolve(/* turbopackIgnore: true */ dataDir), "gatehouse.lock");

function alive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // a lock from another machine (shared volume): never steal it
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live holder of the lock, or undefined when the directory is free (a stale lock counts as free). */
export function readLock(dataDir: string): LockInfo | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), "utf8");
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return alive(info) ? info : undefined;
  } catch {
    // A half-written lock: its writer is still starting. Treat it as held.
    return { pid: -1, host: hostname(), holder: "cli", startedAt: "" };
  }
}

export type DataDirLock = { info: LockInfo; update: (patch: Partial<LockInfo>) => void; release: () => void };

/** Takes the lock or throws DataDirLockedError. The lock file is readable by its owner only (it holds the admin token). */
export function acquireLock(dataDir: string, info: Omit<LockInfo, "pid" | "host" | "startedAt">): DataDirLock {
  const file = lockPath(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...info };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify(mine));
      closeSync(fd);
      let current = mine;
      let released = false;
      const write = (next: LockInfo) => {
        const fd2 = openSync(file, "w", 0o600);
        writeSync(fd2, JSON.stringify(next));
        closeSync(fd2);
      };
      const release = () => {
        if (released) return;
        released = true;
        try {
          const onDisk = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
          if (onDisk.pid === process.pid) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return {
        get info() {
          return current;
        },
        update: (patch) => {
          current = { ...current, ...patch };
          write(current);
        },
        release,
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readLock(dataDir);
      if (holder) throw new DataDirLockedError(path.resolve(dataDir), holder);
      // Stale lock from a process that died: remove it and try again.
      try {
        unlinkSync(file);
      } catch {
        /* someone else removed it first */
      }
    }
  }
  const holder = readLock(dataDir);
  throw new DataDirLockedError(path.resolve(dataDir), holder ?? { pid: -1, host: hostname(), holder: "cli", startedAt: "" });
}
