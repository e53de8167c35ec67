/**
 * What `ModelBackend.applyCgroup` last made true per cgroup ({max, slots}), and on which controller
 * instance, so a container restart that would change nothing skips the controller request. Pure
 * bookkeeping, no I/O.
 *
 * Sound because the modeled controller's state changes only through control.sock (tenants reach
 * only their slot sockets) or is lost with its process (a new instance id):
 *  - every mutating call of the backend forgets what it touches, when it starts and when it ends
 *    (setMax: its cgroup; removeCgroup: the subtree; bindSlot/unbindSlot: entries holding the slot
 *    and the target cgroup); ensureCgroup (mkdir -p) cannot change an existing cgroup's max or slots;
 *  - an apply is remembered only if no other mutating call started or ended while it was in flight
 *    (`begin` marks, `applied` compares), so concurrent writers never leave a stale entry;
 *  - any failed call forgets everything (the controller may be gone or half-way);
 *  - reads that show a different state (the reconciler's getMax/bindings/listCgroups, stats)
 *    forget the entries they contradict, so a drift the reconciler sees is never hidden from the
 *    next restart either.
 * One writer per control.sock is expected: the agent DaemonSet rolls with maxUnavailable 1 and no
 * surge, so two agents never drive one controller. An operator writing control.sock by hand is
 * drift: the reconciler's periodic pass finds and repairs it as before (and its repair forgets the
 * entry); until then a restart of that pod does not rewrite it.
 */
import { isBelow } from '../contracts/cgroup-path.js';
import type { EpcMax } from './epc-backend.js';

interface Applied {
  max: EpcMax;
  slots: readonly string[];
  instance: string;
}

export class AppliedCgroups {
  private readonly byCgroup = new Map<string, Applied>();
  /** Bumped by every mutating call's start and end. */
  private seq = 0;

  /** Entries held now (tests, bounds: one per live pod cgroup at most). */
  get size(): number {
    return this.byCgroup.size;
  }

  /** True when `cgroup` was last set to exactly this max and these slots, on `instance`. */
  holds(cgroup: string, max: EpcMax, slots: readonly string[], instance: string): boolean {
    const a = this.byCgroup.get(cgroup);
    return a !== undefined && a.instance === instance && a.max === max && sameSet(a.slots, slots);
  }

  /** A mutating call starts: forget what it touches; returns the mark `applied` compares. */
  begin(touch: { cgroup?: string; tree?: string; slots?: readonly string[] }): number {
    this.forget(touch);
    return ++this.seq;
  }

  /** A mutating call (not an apply) ended, well or not: forget what it touched again. */
  end(touch: { cgroup?: string; tree?: string; slots?: readonly string[] }): void {
    this.forget(touch);
    this.seq++;
  }

  /** An apply that began at `mark` succeeded: remembered only if nothing else wrote meanwhile. */
  applied(mark: number, cgroup: string, state: { max: EpcMax; slots: readonly string[]; instance: string | undefined }): void {
    if (this.seq === mark && state.instance !== undefined) {
      for (const [c, a] of this.byCgroup) if (a.instance !== state.instance) this.byCgroup.delete(c); // an older instance's state is gone
      this.byCgroup.set(cgroup, { max: state.max, slots: [...state.slots], instance: state.instance });
    } else {
      this.forget({ cgroup, slots: state.slots });
    }
    this.seq++;
  }

  /** Something failed: the controller may be gone or half-way; trust nothing remembered. */
  forgetAll(): void {
    this.byCgroup.clear();
    this.seq++;
  }

  /** A read showed `cgroup`'s misc.max: forget the entry if it says otherwise. */
  sawMax(cgroup: string, max: EpcMax): void {
    const a = this.byCgroup.get(cgroup);
    if (a && a.max !== max) this.byCgroup.delete(cgroup);
  }

  /** A read listed every binding: forget entries whose slots are not bound to their cgroup. */
  sawBindings(bindings: ReadonlyMap<string, string>): void {
    for (const [c, a] of this.byCgroup) if (a.slots.some((s) => bindings.get(s) !== c)) this.byCgroup.delete(c);
  }

  /** A read listed every cgroup strictly below `prefix`: forget entries there that are missing. */
  sawCgroups(prefix: string, below: readonly string[]): void {
    let present: Set<string> | undefined;
    for (const c of this.byCgroup.keys()) {
      if (!isBelow(c, prefix)) continue;
      present ??= new Set(below);
      if (!present.has(c)) this.byCgroup.delete(c);
    }
  }

  private forget(touch: { cgroup?: string; tree?: string; slots?: readonly string[] }): void {
    if (this.byCgroup.size === 0) return;
    if (touch.cgroup !== undefined) this.byCgroup.delete(touch.cgroup);
    const { tree, slots } = touch;
    if (tree === undefined && (slots === undefined || slots.length === 0)) return;
    for (const [c, a] of this.byCgroup) {
      if ((tree !== undefined && (c === tree || isBelow(c, tree))) || (slots !== undefined && a.slots.some((s) => slots.includes(s)))) this.byCgroup.delete(c);
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (const s of b) if (!a.includes(s)) return false;
  for (const s of a) if (!b.includes(s)) return false;
  return true;
}
