/**
 * `{ ...source, ...fields }` for objects parsed from JSON (a client's body, a provider's answer,
 * a reply of the control plane),
 * keeping what that spread keeps: the keys' order, and an own `__proto__` key as data, which
 * Object.assign would make the copy's prototype. Written out because on Node 20's V8 a literal
 * that starts with a spread and then sets more properties sends its copy, and what the copy points
 * to (for a request body, the whole parsed request), to the old space (eslint-rules/
 * no-properties-after-leading-spread.js; docs/benchmarks.md, "What the calls left in the old
 * space").
 */
export function copyWith<T extends object, F extends object>(source: T | undefined, fields: F): Omit<T, keyof F> & F {
  const out: Record<string, unknown> = {};
  if (source) for (const [key, value] of Object.entries(source)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(fields)) setOwn(out, key, value);
  return out as Omit<T, keyof F> & F;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
