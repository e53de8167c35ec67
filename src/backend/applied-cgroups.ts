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
 * maxSurge (charts/sgx-epc-enforcer/templates/agent-daemonset.yaml, deploy/base/agent-daemonset.yaml),
 * so a node's old agent is gone before the new one starts, and a new agent remembers nothing (its
 * first apply per cgroup is a request). An operator writing control.sock by hand is
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
  /** slot -> the cgroup whose entry holds it (each slot is in at most one entry). */
  private readonly bySlot = new Map<string, string>();
  /** The instance every entry was applied to (entries of an older instance are dropped). */
  private instance: string | undefined;
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
  begin(touch: Touch): number {
    this.forget(touch);
    return ++this.seq;
  }

  /** A mutating call (not an apply) ended, well or not: forget what it touched again. */
  end(touch: Touch): void {
    this.forget(touch);
    this.seq++;
  }

  /** An apply that began at `mark` succeeded: remembered only if nothing else wrote meanwhile. */
  applied(mark: number, cgroup: string, state: { max: EpcMax; slots: readonly string[]; instance: string | undefined }): void {
    this.forget({ cgroup, slots: state.slots });
    if (this.seq === mark && state.instance !== undefined) {
      if (state.instance !== this.instance) this.clear(); // an older instance's state is gone with it
      this.instance = state.instance;
      this.byCgroup.set(cgroup, { max: state.max, slots: [...state.slots], instance: state.instance });
      for (const s of state.slots) this.bySlot.set(s, cgroup);
    }
    this.seq++;
  }

  /** Something failed: the controller may be gone or half-way; trust nothing remembered. */
  forgetAll(): void {
    this.clear();
    this.seq++;
  }

  /** A read showed `cgroup`'s misc.max: forget the entry if it says otherwise. */
  sawMax(cgroup: string, max: EpcMax): void {
    const a = this.byCgroup.get(cgroup);
    if (a && a.max !== max) this.drop(cgroup);
  }

  /** A read listed every binding: forget entries whose slots are not bound to their cgroup. */
  sawBindings(bindings: ReadonlyMap<string, string>): void {
    for (const [slot, cgroup] of this.bySlot) if (bindings.get(slot) !== cgroup) this.drop(cgroup);
  }

  /** A read listed every cgroup strictly below `prefix`: forget entries there that are missing. */
  sawCgroups(prefix: string, below: readonly string[]): void {
    let present: Set<string> | undefined;
    for (const c of this.byCgroup.keys()) {
      if (!isBelow(c, prefix)) continue;
      present ??= new Set(below);
      if (!present.has(c)) this.drop(c);
    }
  }

  private forget(touch: Touch): void {
    if (this.byCgroup.size === 0) return;
    if (touch.cgroup !== undefined) this.drop(touch.cgroup);
    if (touch.slots) for (const s of touch.slots) {
      const c = this.bySlot.get(s);
      if (c !== undefined) this.drop(c);
    }
    const { tree } = touch;
    if (tree !== undefined) for (const c of this.byCgroup.keys()) if (c === tree || isBelow(c, tree)) this.drop(c);
  }

  private drop(cgroup: string): void {
    const a = this.byCgroup.get(cgroup);
    if (!a) return;
    this.byCgroup.delete(cgroup);
    for (const s of a.slots) if (this.bySlot.get(s) === cgroup) this.bySlot.delete(s);
  }

  private clear(): void {
    this.byCgroup.clear();
    this.bySlot.clear();
  }
}

/** What a write touches: one cgroup, a subtree (the cgroup and everything below), slots. */
export interface Touch {
  cgroup?: string;
  tree?: string;
  slots?: readonly string[];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (const s of b) if (!a.includes(s)) return false;
  for (const s of a) if (!b.includes(s)) return false;
  return true;
}
