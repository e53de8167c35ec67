/**
 * Freezes `value` and every plain object and array reachable from it, so a component's config
 * cannot be changed after it is built (an assignment throws in strict mode, which ES modules are).
 */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
