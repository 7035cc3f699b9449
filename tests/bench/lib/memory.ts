// Peak resident memory: sampled every 50 ms, plus the kernel's own high-water mark for the whole process.

export const MiB = 1024 * 1024;

export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = 50): this {
    this.note(process.memoryUsage().rss);
    this.timer = setInterval(() => this.note(process.memoryUsage().rss), intervalMs);
    this.timer.unref();
    return this;
  }

  /** Also fed by other probes (e.g. the SQL phase recorder), since a long synchronous step blocks the timer. */
  note(rss: number): void {
    if (rss > this.peak) this.peak = rss;
  }

  /** Starts a new measurement window from the current RSS. */
  reset(): void {
    this.peak = process.memoryUsage().rss;
  }

  get peakBytes(): number {
    this.note(process.memoryUsage().rss);
    return this.peak;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The process's peak RSS since it started (getrusage ru_maxrss), in bytes. */
export const maxRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

/** Collects garbage when the process runs with --expose-gc (bench workers do), so steps start alike. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}
