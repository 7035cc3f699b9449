// Runs after `npm install`: two one-line fixes to postgres.js 3.4.9 (pinned in package.json) for a connection that is
// lost, until a release has them. Gatehouse's transactions reserve their connection (db/client.ts beginReserved),
// which takes these paths whenever the server restarts or ends a backend.
//
// 1. `sql.reserve()` with no idle connection queues its request and hands it to a closed connection to reconnect. When
//    that reconnection fails the request (a connection the server ended during a transaction answers the first ready
//    message of its next start-up with the old error), the request is rejected but stays queued; the next connection
//    to become ready is then handed to that rejected request and to nobody else, and the pool has lost it for good.
//    Fixed: a rejected request leaves the queue.
// 2. A connection opened for a reserve request never resets the pool's count of failed connections, so every loss
//    after it waits longer before reconnecting (up to 20 s). Fixed: reset once it is ready, as for other requests.
//
// tests/integration/pg-transactions.test.ts ends a transaction's backend five times and checks that the transactions
// after are served.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "node_modules", "postgres");
const FIXES = [
  {
    files: ["src/index.js", "cjs/src/index.js", "cf/src/index.js"],
    broken: "const query = { reserve: resolve, reject }",
    fixed: "const query = { reserve: resolve, reject: e => (queries.remove(query), reject(e)) }",
  },
  {
    files: ["src/connection.js", "cjs/src/connection.js", "cf/src/connection.js"],
    broken: "initial.reserve && (initial = null)",
    fixed: "initial.reserve && (initial = null, options.shared.retries = retries = 0)",
  },
];

let version;
try {
  version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
} catch {
  process.exit(0); // not installed (an install that left it out): nothing to patch
}
for (const { files, broken, fixed } of FIXES) {
  for (const file of files) {
    const where = path.join(root, file);
    const text = readFileSync(where, "utf8");
    if (text.includes(fixed)) continue;
    if (!text.includes(broken)) {
      console.error(
        `scripts/patch-postgres.mjs: postgres ${version}'s ${file} has changed; check whether it still needs the fix, then update or remove this script.`,
      );
      process.exit(1);
    }
    writeFileSync(where, text.replace(broken, fixed));
  }
}
