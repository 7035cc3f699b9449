// Builds the Next.js app when there is no build or a source is newer than it.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const SOURCES = ["app", "components", "server", "db", "package.json", "next.config.js", "postcss.config.mjs"];

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry.name)));
  }
  return newest;
}

export function buildIsStale() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  const built = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  return { built: built > 0, stale: SOURCES.some((s) => newestMtime(path.join(root, s)) > built) };
}

const lockFile = path.join(root, ".next-build.lock");

function holderAlive() {
  try {
    process.kill(Number(readFileSync(lockFile, "utf8")), 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** One build at a time: instances started together wait for the first one's build. */
function withBuildLock(fn) {
  for (;;) {
    try {
      const fd = openSync(lockFile, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      if (!holderAlive()) {
        try {
          unlinkSync(lockFile);
        } catch {
          /* raced with another waiter */
        }
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    unlinkSync(lockFile);
  }
}

/** Returns true when the app is built and current; prints progress to stderr. */
export function buildIfNeeded() {
  if (!buildIsStale().stale) return true;
  mkdirSync(path.join(root, ".next"), { recursive: true });
  return withBuildLock(build);
}

function build() {
  // Another instance may have built it while we waited for the lock.
  const { built, stale } = buildIsStale();
  if (!stale) return true;
  process.stderr.write(
    built ? "gatehouse: sources changed since the last build; building…\n" : "gatehouse: first start; building the app…\n",
  );
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) {
    process.stderr.write("gatehouse: the build failed (see above)\n");
    return false;
  }
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  process.exit(buildIfNeeded() ? 0 : 1);
}
