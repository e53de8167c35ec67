/** Assertions shared by the config builders' unit tests (agent, controller, workload, doctor, demo). */
import { expect } from 'vitest';
import { ConfigError } from '../../src/util/config-error.js';

/** `build` throws a ConfigError for `flag` whose message names the flag (and matches `msg`). */
export function expectConfigError(build: () => unknown, flag: string, msg?: RegExp): ConfigError {
  let thrown: unknown;
  try {
    build();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected a ConfigError for ${flag}`).toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.flag).toBe(flag);
  expect(err.message).toContain(flag);
  if (msg) expect(err.message).toMatch(msg);
  return err;
}

/** Every object and array reachable from `value` is frozen, and assigning to it throws (strict mode). */
export function expectDeepFrozen(value: unknown, path = 'config'): void {
  if (typeof value !== 'object' || value === null) return;
  expect(Object.isFrozen(value), `${path} is frozen`).toBe(true);
  expect(() => {
    (value as Record<string, unknown>).__probe = 1;
  }, `assigning to ${path} throws`).toThrow(TypeError);
  for (const [k, v] of Object.entries(value)) expectDeepFrozen(v, `${path}.${k}`);
}
