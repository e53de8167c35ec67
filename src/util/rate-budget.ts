/**
 * A token bucket (`ratePerSec` tokens a second, at most `burst` saved up) that says how long until
 * the next token, and takes one back when the work it paid for turned out to save another call.
 */
export class RateBudget {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError(`rate budget needs ratePerSec > 0 and burst >= 1 (got ${ratePerSec}, ${burst})`);
    this.tokens = burst;
    this.last = now();
  }

  /** Spends a token if one is there. */
  take(): boolean {
    this.fill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until `take` can succeed (0: now). */
  waitMs(): number {
    this.fill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.ratePerSec) * 1000;
  }

  /** Gives one token back (never beyond the burst). */
  refund(): void {
    this.fill();
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  private fill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
  }
}
