/**
 * The steps of one PreStartContainer, named where they run: `await steps.run('creating cgroup
 * X', () => ...)`. A refusal or a timeout then says whom it concerns and which step it stopped
 * in, without each step rewriting shared progress fields.
 */
export class PreStartSteps {
  private current: string;

  /** `subject`: whom the start concerns (the device IDs until the pod is known). */
  constructor(private subject: string, first: string) {
    this.current = first;
  }

  /** Runs one named step. */
  async run<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    this.current = name;
    return fn();
  }

  /** From here on the start concerns this pod and container. */
  concerns(subject: string): void {
    this.subject = subject;
  }

  /** Whom the start concerns, for the refusal message. */
  get who(): string {
    return this.subject;
  }

  /** The step running now (or the last one run). */
  get step(): string {
    return this.current;
  }
}
