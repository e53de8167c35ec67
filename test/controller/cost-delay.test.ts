import { describe, expect, it } from 'vitest';
import { CostDelay } from '../../src/controller/cost-delay.js';

describe('CostDelay', () => {
  it('does nothing at scale 0', async () => {
    const d = new CostDelay({ scale: 0 });
    expect(await d.pay('s', 5e9)).toBe(0);
    expect(d.debtOf('s')).toBe(0);
  });

  it('carries sub-millisecond costs per caller instead of sleeping', async () => {
    const d = new CostDelay({ scale: 1 });
    expect(await d.pay('a', 400_000)).toBe(0);
    expect(await d.pay('a', 400_000)).toBe(0);
    expect(d.debtOf('a')).toBe(800_000);
    expect(d.debtOf('b')).toBe(0);
  });

  it('sleeps whole milliseconds once the debt reaches 1 ms and keeps what it did not sleep as debt (overshoot as credit)', async () => {
    const d = new CostDelay({ scale: 2 });
    const slept = await d.pay('a', 700_000); // 1.4 ms owed: a 1 ms timer
    expect(slept).toBeGreaterThan(0);
    // Exactly what was owed minus what was really slept (a timer may fire early or late under
    // load), floored at -2 ms of credit: the accounting, not the timer, is under test.
    expect(d.debtOf('a')).toBe(Math.max(1_400_000 - slept, -2_000_000));
  });

  it('caps credit from a long overshoot at maxCreditNs', async () => {
    const d = new CostDelay({ scale: 1, maxCreditNs: 1 });
    const slept = await d.pay('a', 1_000_000);
    expect(d.debtOf('a')).toBe(Math.max(1_000_000 - slept, -1));
  });

  it('rejects a negative scale', () => {
    expect(() => new CostDelay({ scale: -1 })).toThrow(/scale/);
  });

  it('cancelAll wakes sleepers at once', async () => {
    const d = new CostDelay({ scale: 1 });
    const p = d.pay('a', 60_000_000_000);
    d.cancelAll();
    await expect(p).resolves.toBeGreaterThanOrEqual(0);
  });
});
