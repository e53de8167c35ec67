/**
 * The loop of a reconciler that runs in rounds (the Node advertiser, the enforcement publisher):
 * idempotent start/stop (stop is safe before start and waits for a round in flight), one round at
 * a time (a round on demand waits for the loop's), and the next round's delay chosen from each
 * round's result. A round must not throw.
 */
export class SerialRounds<R> {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private last: Promise<R> | undefined;

  constructor(
    private readonly round: () => Promise<R>,
    private readonly nextDelayMs: (result: R) => number,
  ) {}

  /** A round now, then one `nextDelayMs(result)` after each. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.last;
  }

  /** Runs `round` (default: the loop's) once every round before it has finished. */
  run(round: () => Promise<R> = this.round): Promise<R> {
    const next = (this.last ?? Promise.resolve()).then(round);
    this.last = next;
    return next;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      this.schedule(this.nextDelayMs(await this.run()));
    }, delayMs);
  }
}
