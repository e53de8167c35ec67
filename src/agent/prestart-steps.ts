/**
 * The steps of one PreStartContainer, named where they run: `await steps.run('creating cgroup
 * X', () => ...)`. A refusal or a timeout then says whom it concerns and which step it stopped
 * in, without each step rewriting shared progress fields. Names and subjects may be given as
 * functions: they are only put into words when a refusal or timeout reads them (nothing is built
 * per call on the path that succeeds).
 */
export class PreStartSteps {
  private current: string | (() => string);
  private owner: { namespace: string; pod: string; container: string } | undefined;

  /** `req`: the call (whom the start concerns until the pod is known). */
  constructor(private readonly req: { resourceName: string; deviceIds: readonly string[] }, first: string) {
    this.current = first;
  }

  /** Runs one named step. */
  async run<T>(name: string | (() => string), fn: () => Promise<T> | T): Promise<T> {
    this.current = name;
    return fn();
  }

  /** From here on the start concerns this pod and container. */
  concerns(owner: { namespace: string; pod: string; container: string }): void {
    this.owner = owner;
  }

  /** Whom the start concerns, for the refusal message. */
  get who(): string {
    const o = this.owner;
    return o ? `pod ${o.namespace}/${o.pod} (container ${o.container})` : `the container with ${this.req.resourceName} ${this.req.deviceIds.join(', ')}`;
  }

  /** The step running now (or the last one run). */
  get step(): string {
    return typeof this.current === 'function' ? this.current() : this.current;
  }
}
