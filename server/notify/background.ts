// The server's background work for re-checks and notifications. Every instance runs it; the database decides who
// does what (SKIP LOCKED rows, leases, an advisory lock), so instances can come and go without losing anything.
import type { Database } from "@/db/client";
import type { ServiceContext } from "../context";
import { logger } from "../log";
import { runDueRechecks, sweepTimeRechecks } from "../recheck/run-recheck";
import { deliverDue, type NotifyConfig } from "./deliver";
import { setDeliveryWake } from "./emit";
import { sweepNotifications } from "./sweep";

/** Requested re-checks and due deliveries are looked for this often (and at once after a local commit). */
const POLL_MS = 2_000;

export function startBackgroundJobs(db: Database, opts: { intervalS: number; notify: NotifyConfig }): () => void {
  const ctx = (label: string): ServiceContext => ({ db, actor: { type: "system", label }, now: () => new Date() });
  const log = logger();
  let polling = false;
  let again = false;
  let stopped = false;

  const poll = async () => {
    if (stopped) return;
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    try {
      do {
        again = false;
        const r = await runDueRechecks(ctx("system:recheck"));
        for (const f of r.failed)
          log.error({ err: f.cause, stage: f.stage, serviceId: f.serviceId, error: f.error }, "re-check failed");
        for (const c of r.checked)
          if (c.status !== c.previousStatus)
            log.info(
              { serviceId: c.serviceId, stage: c.stage, status: c.status, decisionId: c.decisionId },
              "stage status changed",
            );
        const d = await deliverDue(ctx("system:notify"), opts.notify);
        if (d.failed) log.warn({ failed: d.failed }, "notifications failed for good (see Settings → Notifications)");
      } while (again && !stopped);
    } catch (err) {
      log.error({ err }, "background re-check or delivery failed");
    } finally {
      polling = false;
    }
  };

  const sweep = async () => {
    try {
      const due = await sweepTimeRechecks(ctx("system:recheck"));
      const s = await sweepNotifications(ctx("system:notify"));
      if (due || (s.status === "swept" && s.expiring + s.silent + s.breached > 0)) log.debug({ due, sweep: s }, "periodic sweep");
    } catch (err) {
      log.error({ err }, "periodic re-check sweep failed");
    }
    await poll();
  };

  setDeliveryWake(() => void poll());
  const pollTimer = setInterval(() => void poll(), POLL_MS);
  const sweepTimer = setInterval(() => void sweep(), opts.intervalS * 1000);
  const first = setTimeout(() => void sweep(), 3_000);
  for (const t of [pollTimer, sweepTimer, first]) t.unref();
  return () => {
    stopped = true;
    setDeliveryWake(undefined);
    clearInterval(pollTimer);
    clearInterval(sweepTimer);
    clearTimeout(first);
  };
}
