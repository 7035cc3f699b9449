// Gate workers: the gate served by threads of the server's process, so that one server uses more than one core for it.
//
// Node.js runs a server's JavaScript on one thread. A gate call costs ≈ 4–5 ms of that thread's CPU (reading the
// findings, evaluating, signing, writing the decision; docs/performance.md), so one thread saturates near 200 calls a
// second and, well before that, requests wait behind each other. With PostgreSQL, the main thread keeps the HTTP
// connections (front door, request id, logging), reads a gate request's body and hands the request to the least busy
// worker; the worker runs the very route the main thread would (its own connection pool, the same checks) and sends
// the answer back. Until a worker is ready, the main thread answers the gate itself, as without workers. The embedded
// database lives in the main thread, so PGlite is served there as before.
//
// Off unless GATEHOUSE_GATE_WORKERS asks for them: on the 2-core machines the benchmarks run on, PostgreSQL and the
// clients already use the second core, and workers measured no clear gain there (docs/performance.md); they are for
// machines whose other cores sit idle while the main thread is saturated by gates.
//
// A worker holds its own copy of the server's modules (≈ 85–110 MiB of memory). So workers start only when the gate
// is busy (a gate arrives while another is being answered, or five arrive within a second), and stop after a minute
// without one: a server that answers a gate now and then, or ingests a large report, stays as small as without them.
//
// What a request sees does not change: the answer, its headers and status are the route's. What is per thread is
// per instance already (the token memory, bounded to two seconds, and the KEV catalog read per import); a token that
// this process revokes is forgotten by every worker before the next request it is handed (the message travels on the
// same port, in order). The rate limit, decisions and audit are in the database, shared as between instances.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Worker } from "node:worker_threads";
import { logger } from "../log";
import { wakeDelivery } from "../notify/emit";
import { forgetHere, onForgetTokens } from "../tokens/token-cache";
import type { ApiRoute } from "../api/rest/route";
import { answerBuffered, answerOf, sendAnswer, webHeaders, type BufferedRequest, type WireAnswer } from "../api/rest/node-route";
import { problemResponse } from "../api/rest/problem";

export type WorkerSetup = { publicUrl: string; startedAt: string };
export type FromMain = ({ type: "request"; id: number } & BufferedRequest) | { type: "forget-tokens" } | { type: "stop" };
export type ToMain =
  | { type: "ready" }
  | { type: "wake" }
  | { type: "forget-tokens" }
  | { type: "answer"; id: number; answer: WireAnswer }
  | { type: "failed"; id: number };

type Pending = { res: ServerResponse; requestId: string; path: string };
type Slot = { n: number; worker: Worker; ready: boolean; exited: boolean; pending: Map<number, Pending> };

export type GateWorkers = {
  /**
   * Answers `req` (a gate request): through the least busy worker, or with `here` (the route on this thread) when no
   * worker is ready, or the body is not a small one of declared length (chunked, or over the route's limit: the route
   * here streams it and refuses it as it always did).
   */
  serve(req: IncomingMessage, res: ServerResponse, here: () => Promise<void>): void;
  /** The worker that answered, for the request log (undefined: the main thread). */
  servedBy(res: ServerResponse): number | undefined;
  stop(): Promise<void>;
};

export type GateWorkerOptions = {
  count: number;
  /** The route the workers serve (to answer in this thread a request whose worker went away before it was sent). */
  route: ApiRoute;
  /** Bodies up to this size are read here and handed over. */
  maxBodyBytes: number;
  publicUrl: string;
  startedAt: Date;
  /** The worker's module (a file that loads gate-worker.ts). */
  entry: URL;
};

const RESTART_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** Workers start when this many gates arrive within a second (or one arrives while another is being answered)… */
const BUSY_PER_SECOND = 5;
/** …and stop after this long without a gate. */
const IDLE_STOP_MS = 60_000;

export function startGateWorkers(opts: GateWorkerOptions): GateWorkers {
  const log = logger();
  const slots: Slot[] = [];
  const served = new WeakMap<ServerResponse, number>();
  let nextId = 1;
  let stopping = false;
  /** Workers are wanted (started, or starting) until the gate has been idle for IDLE_STOP_MS. */
  let running = false;
  let here = 0;
  let lastGate = 0;
  let windowStart = 0;
  let inWindow = 0;
  const setup: WorkerSetup = { publicUrl: opts.publicUrl, startedAt: opts.startedAt.toISOString() };

  const tellAll = (m: FromMain, except?: Slot) => {
    for (const s of slots) if (s !== except && s.ready) s.worker.postMessage(m);
  };
  // A revocation made in this thread (a session or the CLI) reaches every worker before any later request does.
  const stopForwarding = onForgetTokens(() => tellAll({ type: "forget-tokens" }));

  const answerFailed = (p: Pending) => {
    if (p.res.destroyed || p.res.headersSent) return;
    // Whether the decision was recorded is unknown here: the client's retry is a new request, answered and recorded.
    void answerOf(problemResponse(new Error("gate worker stopped"), p.requestId, p.path), undefined).then((a) =>
      sendAnswer(p.res, a),
    );
  };

  const spawn = (n: number, attempt: number) => {
    const worker = new Worker(opts.entry, { workerData: setup, env: process.env });
    const slot: Slot = { n, worker, ready: false, exited: false, pending: new Map() };
    slots[n - 1] = slot;
    worker.on("message", (m: ToMain) => {
      switch (m.type) {
        case "ready":
          slot.ready = true;
          attempt = 0;
          log.info({ worker: n }, "gate worker ready");
          return;
        case "wake":
          return wakeDelivery();
        case "forget-tokens":
          forgetHere();
          return tellAll({ type: "forget-tokens" }, slot);
        case "answer":
        case "failed": {
          const p = slot.pending.get(m.id);
          if (!p) return;
          slot.pending.delete(m.id);
          if (m.type === "failed") return answerFailed(p);
          if (p.res.destroyed) return;
          try {
            sendAnswer(p.res, m.answer);
          } catch (err) {
            log.error({ err, reqId: p.requestId }, "could not send an answer");
            p.res.destroy();
          }
          return;
        }
      }
    });
    worker.on("error", (err) => log.error({ err, worker: n }, "gate worker failed"));
    worker.on("exit", (code) => {
      slot.ready = false;
      slot.exited = true;
      for (const p of slot.pending.values()) answerFailed(p);
      slot.pending.clear();
      if (stopping || !running || slots[n - 1] !== slot) return;
      const wait = RESTART_MS[Math.min(attempt, RESTART_MS.length - 1)]!;
      log.warn({ worker: n, code, restartInMs: wait }, "gate worker exited; the main thread serves the gate until it is back");
      setTimeout(() => {
        if (!stopping && running && slots[n - 1] === slot) spawn(n, attempt + 1);
      }, wait).unref();
    });
  };

  const startAll = () => {
    running = true;
    for (let n = 1; n <= opts.count; n++) spawn(n, 0);
  };
  // A worker not ready yet is terminated; a ready one is told to stop (and terminated if it does not).
  const stopAll = async () => {
    running = false;
    const gone = slots.splice(0);
    await Promise.all(
      gone.map((s) => {
        if (s.exited) return undefined;
        const exited = new Promise<void>((resolve) => s.worker.once("exit", () => resolve()));
        const force = setTimeout(() => void s.worker.terminate(), 2_000);
        if (s.ready) s.worker.postMessage({ type: "stop" } satisfies FromMain);
        else void s.worker.terminate();
        return exited.finally(() => clearTimeout(force));
      }),
    );
  };
  const idleCheck = setInterval(() => {
    const pending = slots.some((s) => s.pending.size > 0);
    if (running && !pending && Date.now() - lastGate >= IDLE_STOP_MS) {
      log.info({ workers: slots.length }, "the gate is idle: its workers stop");
      void stopAll();
    }
  }, 5_000);
  idleCheck.unref();

  const leastBusy = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) if (s.ready && (!best || s.pending.size < best.pending.size)) best = s;
    return best;
  };

  const handOver = (req: IncomingMessage, res: ServerResponse, body: Uint8Array) => {
    const requestId = String(req.headers["x-request-id"] ?? "");
    const url = req.url ?? "/";
    const r: BufferedRequest = { method: req.method ?? "POST", url, headers: [...webHeaders(req)], body, requestId };
    const slot = leastBusy();
    if (!slot) {
      // Every worker went away while the body arrived: answered here, as without workers.
      serveHere(() =>
        answerBuffered(opts.route, r, opts.publicUrl).then((a) => {
          if (!res.destroyed) sendAnswer(res, a);
        }),
      );
      return;
    }
    const id = nextId++;
    slot.pending.set(id, { res, requestId, path: url.split("?")[0]! });
    served.set(res, slot.n);
    slot.worker.postMessage({ type: "request", id, ...r } satisfies FromMain);
  };

  const serveHere = (run: () => Promise<void>) => {
    here++;
    void run().finally(() => here--);
  };

  return {
    serve(req, res, run) {
      const now = Date.now();
      lastGate = now;
      if (now - windowStart >= 1_000) {
        windowStart = now;
        inWindow = 0;
      }
      inWindow++;
      if (!running && !stopping && (here > 0 || inWindow >= BUSY_PER_SECOND)) startAll();
      const best = leastBusy();
      // This thread reads and writes every connection: while a worker is ready, it answers no gate itself. (Sharing
      // the gates with the workers was measured worse: under a queue, this thread's own gates delayed every worker's
      // answer and the next requests; docs/performance.md.)
      if (stopping || !best) return serveHere(run);
      if (req.headers["transfer-encoding"] !== undefined) return serveHere(run);
      const declared = Number(req.headers["content-length"] ?? "0");
      if (!Number.isSafeInteger(declared) || declared < 0 || declared > opts.maxBodyBytes) return serveHere(run);
      const body = new Uint8Array(declared);
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        // Node.js frames the body by its Content-Length: it never sends more.
        body.set(chunk, size);
        size += chunk.byteLength;
      });
      // A client gone before the end of its body is not answered (the route would refuse it; no one would read it).
      req.once("end", () => handOver(req, res, body.subarray(0, size)));
    },
    servedBy: (res) => served.get(res),
    async stop() {
      stopping = true;
      clearInterval(idleCheck);
      stopForwarding();
      // What the workers are answering is answered first (a decision is recorded whole), for up to five seconds.
      const until = Date.now() + 5_000;
      while (slots.some((s) => s.pending.size > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await stopAll();
    },
  };
}
