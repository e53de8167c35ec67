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

  it('sleeps whole milliseconds once the debt reaches 1 ms and keeps the remainder (minus overshoot)', async () => {
    const d = new CostDelay({ scale: 2 });
    const slept = await d.pay('a', 700_000); // 1.4 ms owed
    expect(slept).toBeGreaterThan(0);
    // Remainder 0.4 ms, minus whatever the timer overshot, floored at -2 ms of credit.
    expect(d.debtOf('a')).toBeLessThanOrEqual(400_000);
    expect(d.debtOf('a')).toBeGreaterThanOrEqual(-2_000_000);
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
