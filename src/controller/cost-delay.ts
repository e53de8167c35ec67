/**
 * Turns simulated paging time into real delay for the caller that caused it, without busy-waiting
 * (2 shared cores). Each caller (slot) carries a debt in ns: costs add to it; once it reaches
 * 1 ms we sleep whole milliseconds with a timer and subtract what we actually slept (hrtime), so
 * timer overshoot becomes credit that absorbs later costs. Over many calls the total delay matches
 * `simulatedNs * scale` to within ~1 ms; a single sub-millisecond cost is paid later, in bulk.
 */
export interface CostDelayOptions {
  /** Multiplier on simulated ns (0 disables delays: tests). */
  scale: number;
  /** Cap on credit from overshoot, so a long sleep cannot make the next many calls free. */
  maxCreditNs?: number;
}

const NS_PER_MS = 1_000_000;

export class CostDelay {
  private readonly debt = new Map<string, number>();
  private readonly scale: number;
  private readonly maxCreditNs: number;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(opts: CostDelayOptions) {
    if (!Number.isFinite(opts.scale) || opts.scale < 0) throw new RangeError(`cost scale must be >= 0, got ${opts.scale}`);
    this.scale = opts.scale;
    this.maxCreditNs = opts.maxCreditNs ?? 2 * NS_PER_MS;
  }

  /** Charges `simulatedNs` to `caller` and resolves once its debt is paid down; returns real ns slept. */
  async pay(caller: string, simulatedNs: number): Promise<number> {
    if (this.scale === 0 || !(simulatedNs > 0)) return 0;
    const owed = (this.debt.get(caller) ?? 0) + simulatedNs * this.scale;
    if (owed < NS_PER_MS) {
      this.debt.set(caller, owed);
      return 0;
    }
    const plannedMs = Math.floor(owed / NS_PER_MS);
    this.debt.set(caller, owed - plannedMs * NS_PER_MS);
    const t0 = process.hrtime.bigint();
    await this.sleep(plannedMs);
    const slept = Number(process.hrtime.bigint() - t0);
    const after = (this.debt.get(caller) ?? 0) + plannedMs * NS_PER_MS - slept;
    this.debt.set(caller, Math.max(after, -this.maxCreditNs));
    return slept;
  }

  /** Current debt (ns, negative = credit) of a caller; for tests and metrics. */
  debtOf(caller: string): number {
    return this.debt.get(caller) ?? 0;
  }

  /** Wakes every sleeper now (stop must not wait for delays). */
  cancelAll(): void {
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => {
        this.timers.delete(entry);
        resolve();
      }, ms), resolve };
      this.timers.add(entry);
    });
  }
}
