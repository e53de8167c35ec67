import { isBelow } from '../contracts/cgroup-path.js';

/**
 * Which cgroup each enclave slot charges (the agent binds it in PreStartContainer). A slot plays
 * the model's `from`: the cgroup of the task doing the operation. Enclaves live in the model
 * under `<slot>/<name>`, so a slot can only ever address its own enclaves.
 */
export class SlotTable {
  private readonly bound = new Map<string, string>();
  private counter = 0;

  /** Binds (or rebinds) a slot; only later operations are charged to the new cgroup. */
  bind(slot: string, cgroup: string): void {
    this.bound.set(slot, cgroup);
  }

  /** Drops a binding; true if there was one. */
  unbind(slot: string): boolean {
    return this.bound.delete(slot);
  }

  /** The slot's cgroup, or undefined when unbound (callers fail closed). */
  cgroupOf(slot: string): string | undefined {
    return this.bound.get(slot);
  }

  /** Drops every binding to `cgroup` or below (the cgroup went away); returns the slots dropped. */
  unbindCgroup(cgroup: string): string[] {
    const dropped: string[] = [];
    for (const [slot, cg] of this.bound) {
      if (cg === cgroup || isBelow(cg, cgroup)) {
        this.bound.delete(slot);
        dropped.push(slot);
      }
    }
    return dropped;
  }

  /** All bindings, sorted by slot. */
  list(): Array<{ slot: string; path: string }> {
    return [...this.bound].map(([slot, path]) => ({ slot, path })).sort((a, b) => a.slot.localeCompare(b.slot));
  }

  /** A fresh enclave name for a slot that gave none. */
  nextName(): string {
    return `e${++this.counter}`;
  }
}

/** The model's enclave name of a slot's enclave. */
export function modelEnclaveName(slot: string, name: string): string {
  return `${slot}/${name}`;
}

/** Splits a model enclave name back into slot and name. */
export function splitEnclaveName(full: string): { slot: string; name: string } {
  const i = full.lastIndexOf('/');
  return i < 0 ? { slot: '', name: full } : { slot: full.slice(0, i), name: full.slice(i + 1) };
}
