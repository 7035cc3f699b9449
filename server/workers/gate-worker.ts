// A gate worker: a thread of the server's process that answers `POST /api/v1/gate` with the same route the main thread
// serves, on a connection pool of its own. The main thread keeps the HTTP connections, reads each gate request's body
// and hands the request over; this thread runs the route (token, rate limit, reads, evaluation, decision, audit,
// answer) and sends the answer back. See gate-workers.ts for why and when.
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "@/db/client";
import { POST as gateRoute } from "@/app/api/v1/gate/route";
import { configureSigning, keySourceFromEnv } from "../attestation/signing-key";
import { postgresOptions } from "../boot";
import { env } from "../env";
import { logger } from "../log";
import { setDeliveryWake } from "../notify/emit";
import { setRuntime } from "../runtime";
import { forgetHere, onForgetTokens } from "../tokens/token-cache";
import { answerBuffered } from "../api/rest/node-route";
import type { FromMain, ToMain, WorkerSetup } from "./gate-workers";

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("gate-worker.ts runs as a worker thread");
  const setup = workerData as WorkerSetup;
  const e = env();
  if (!e.DATABASE_URL) throw new Error("gate workers need DATABASE_URL (PostgreSQL)");
  const handle = await openDatabase(postgresOptions(e, e.DATABASE_URL));
  setRuntime({
    db: handle.db,
    kind: handle.kind,
    describe: handle.describe,
    startedAt: new Date(setup.startedAt),
    publicUrl: setup.publicUrl,
  });
  configureSigning(keySourceFromEnv(e));
  const send = (m: ToMain) => port.postMessage(m);
  // A decision's notification is written in its transaction; the main thread's sender is woken to deliver it.
  setDeliveryWake(() => send({ type: "wake" }));
  // This thread's verbs do not change tokens today; if one ever does, every other thread hears of it.
  onForgetTokens(() => send({ type: "forget-tokens" }));

  port.on("message", (m: FromMain) => {
    if (m.type === "forget-tokens") return forgetHere();
    if (m.type === "stop") {
      void handle.close().finally(() => port.close());
      return;
    }
    void answerBuffered(gateRoute, m, setup.publicUrl).then(
      // Copied, not transferred: a small payload may sit in a buffer Node.js pools with others.
      (a) => send({ type: "answer", id: m.id, answer: a }),
      (err: unknown) => {
        logger().error({ err, reqId: m.requestId }, "gate worker could not answer");
        send({ type: "failed", id: m.id });
      },
    );
  });
  send({ type: "ready" });
}

main().catch((err: unknown) => {
  logger().error({ err }, "gate worker could not start");
  process.exit(1);
});
