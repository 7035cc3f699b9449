// The Gatehouse server: validates configuration, locks and opens the database, applies migrations,
// and only then serves Next.js. Any failure before serving is one line on stderr and exit code 1.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import next from "next";
import { DatabaseUnavailableError } from "@/db/client";
import { DataDirLockedError } from "@/db/lock";
import { configureSigning, keySourceFromEnv } from "./attestation/signing-key";
import { initSigning } from "./attestation/signing-keys";
import { announceFirstRun } from "./auth/first-run";
import { startSignInThrottleSweep } from "./auth/sign-in";
import { openConfiguredDatabase, type Opened } from "./boot";
import { ADMIN_PATH, handleAdminRequest, isAdminCaller } from "./cli/admin-endpoint";
import { ConfigError, env, type Env } from "./env";
import { VERSION } from "./health";
import { limitHeapGrowth } from "./heap";
import { logger } from "./log";
import { setRuntime } from "./runtime";
import { frontDoor } from "./security/front-door";
import { isHttpsUrl } from "./security/headers";
import { startAuditWebhook } from "./audit/forward-audit";
import { serveRoute } from "./api/rest/node-route";
import { startGateWorkers, type GateWorkers } from "./workers/gate-workers";
import { jsonBodyLimit } from "./api/rest/read-body";
import { POST as gateRoute } from "@/app/api/v1/gate/route";
import { startDailySnapshots } from "./scoring/daily";
import { startBackgroundJobs } from "./notify/background";
import { notifyConfig } from "./notify/deliver";
import { configureIntelSync, startIntelSync } from "./intel/sync";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestId(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  return id;
}

function fail(message: string): never {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(1);
}

function localUrl(e: Env): string {
  const host = e.HOST === "0.0.0.0" || e.HOST === "::" ? "127.0.0.1" : e.HOST;
  return `http://${host.includes(":") ? `[${host}]` : host}:${e.PORT}`;
}

export async function start(opts: { dev?: boolean } = {}): Promise<void> {
  let e: Env;
  try {
    e = env();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  limitHeapGrowth(e.GATEHOUSE_HEAP_GROWTH_PERCENT);
  const log = logger();
  let opened: Opened;
  try {
    opened = await openConfiguredDatabase(e, "server");
  } catch (err) {
    if (err instanceof DataDirLockedError || err instanceof DatabaseUnavailableError) fail(err.message);
    fail(`database start-up failed: ${(err as Error).message.split("\n")[0]}`);
  }
  const { buildIfNeeded } = await import("../scripts/build-if-needed.mjs");
  if (!opts.dev && !buildIfNeeded()) {
    await opened.close();
    fail("the build failed (see above)");
  }
  if (opened.migrations.applied.length) log.info({ applied: opened.migrations.applied }, "migrations applied");
  // Decisions are signed: the key exists (generated at first start) and is published before anything is served.
  const keySource = keySourceFromEnv(e);
  configureSigning(keySource);
  try {
    const key = await initSigning(opened.handle.db);
    log.info({ keyId: key.keyId, file: keySource.file, shared: keySource.shared }, "signing gate decisions");
  } catch (err) {
    await opened.close();
    fail(`signing key: ${(err as Error).message.split("\n")[0]}`);
  }
  if (opened.secrets.moved.length)
    log.info({ secrets: opened.secrets.moved }, "instance secrets sealed with the instance key and removed from the database");
  if (opened.secrets.warning && opened.handle.kind === "postgres") log.warn(opened.secrets.warning);

  const publicUrl = e.GATEHOUSE_PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  const startedAt = new Date();
  setRuntime({
    db: opened.handle.db,
    kind: opened.handle.kind,
    describe: opened.handle.describe,
    startedAt,
    publicUrl,
  });
  await announceFirstRun(opened.handle.db).catch((err: unknown) =>
    log.error({ err }, "could not create the first-run setup link"),
  );

  const app = next({ dev: opts.dev ?? false, dir: process.cwd(), hostname: e.HOST, port: e.PORT });
  try {
    await app.prepare();
  } catch (err) {
    await opened.close();
    fail(`the web app could not start: ${(err as Error).message.split("\n")[0]} (run \`npm run build\` first?)`);
  }
  const handle = app.getRequestHandler();
  const adminToken = randomBytes(32).toString("base64url");
  // The gate on more than one core, when asked (PostgreSQL only: the embedded database lives in this thread).
  const workerCount = opened.handle.kind === "postgres" && !opts.dev ? e.GATEHOUSE_GATE_WORKERS : 0;
  const gateWorkers: GateWorkers | null =
    workerCount > 0
      ? startGateWorkers({
          count: workerCount,
          route: gateRoute,
          maxBodyBytes: jsonBodyLimit(gateRoute.spec),
          publicUrl,
          startedAt,
          entry: new URL("../scripts/gate-worker.mjs", import.meta.url),
        })
      : null;
  const door = frontDoor({ trustedProxies: e.GATEHOUSE_TRUSTED_PROXIES, https: isHttpsUrl(publicUrl), dev: opts.dev ?? false });

  const server = createServer((req, res) => {
    const id = requestId(req);
    const started = process.hrtime.bigint();
    res.setHeader("x-request-id", id);
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/api/")) {
      res.on("finish", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const worker = gateWorkers?.servedBy(res);
        log.info(
          {
            reqId: id,
            method: req.method,
            path,
            status: res.statusCode,
            ms: Math.round(ms * 10) / 10,
            ...(worker ? { worker } : {}),
          },
          "request",
        );
      });
    }
    if (!door.admit(req, res, id)) return;
    if (path === ADMIN_PATH && opened.lock && isAdminCaller(req, adminToken)) {
      void handleAdminRequest(req, res, { db: opened.handle.db, requestId: id });
      return;
    }
    // The route every pipeline calls, served without Next.js's request handling (server/api/rest/node-route.ts).
    if (path === gateRoute.spec.path && req.method === gateRoute.spec.method) {
      const here = () => serveRoute(gateRoute, req, res, publicUrl);
      if (gateWorkers) gateWorkers.serve(req, res, here);
      else void here();
      return;
    }
    void handle(req, res);
  });

  server.on("error", async (err: NodeJS.ErrnoException) => {
    await opened.close().catch(() => {});
    fail(
      err.code === "EADDRINUSE" ? `port ${e.PORT} is already in use (set PORT to another port)` : `cannot listen: ${err.message}`,
    );
  });

  const stopSnapshots = startDailySnapshots(opened.handle.db);
  const stopJobs = startBackgroundJobs(opened.handle.db, { intervalS: e.GATEHOUSE_RECHECK_INTERVAL_S, notify: notifyConfig(e) });
  const stopThrottleSweep = startSignInThrottleSweep(opened.handle.db);
  const intelSync = { enabled: e.GATEHOUSE_INTEL_SYNC, kevUrl: e.GATEHOUSE_INTEL_KEV_URL, epssUrl: e.GATEHOUSE_INTEL_EPSS_URL };
  configureIntelSync(intelSync);
  const stopIntelSync = startIntelSync(opened.handle.db, intelSync);
  const stopWebhook =
    e.GATEHOUSE_AUDIT_WEBHOOK_URL && e.GATEHOUSE_AUDIT_WEBHOOK_SECRET
      ? startAuditWebhook(
          opened.handle.db,
          { url: e.GATEHOUSE_AUDIT_WEBHOOK_URL, secret: e.GATEHOUSE_AUDIT_WEBHOOK_SECRET },
          e.GATEHOUSE_AUDIT_WEBHOOK_INTERVAL_S,
        )
      : () => {};
  server.listen(e.PORT, e.HOST, () => {
    opened.lock?.update({ adminUrl: localUrl(e), adminToken });
    log.info(
      { url: publicUrl, database: opened.handle.kind, where: opened.handle.describe, version: VERSION },
      "Gatehouse is ready",
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stopSnapshots();
    stopJobs();
    stopThrottleSweep();
    stopIntelSync();
    stopWebhook();
    server.close();
    server.closeAllConnections();
    void (gateWorkers?.stop() ?? Promise.resolve())
      .then(() => opened.close())
      .catch((err: unknown) => log.error({ err }, "error while closing the database"))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
