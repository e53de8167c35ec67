/** Kubelet's pod-resources rate limit: 100 requests per second, burst 10. */
export const POD_RESOURCES_QPS = 100;
export const POD_RESOURCES_BURST = 10;

/** A token bucket (golang.org/x/time/rate semantics): `take` is false when the caller must be refused. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
