import { ApiError } from '../errors.ts';

/** A parsed query string as Fastify gives it: repeated names arrive as arrays. */
export type Query = Record<string, string | string[] | undefined>;

/** A repeated parameter counts once, by its last value (never silently dropped); '' is absent. */
export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return (Array.isArray(v) ? v[v.length - 1] : v) || undefined;
}

/** Epoch milliseconds or an ISO-8601 timestamp. */
export function time(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ApiError('invalid_query', `${name} must be epoch milliseconds or an ISO-8601 time`);
  return n;
}

export function int(q: Query, name: string, min: number, max: number): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError('invalid_query', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** One of `allowed`, or undefined when absent. */
export function oneOf<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new ApiError('invalid_query', `${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}
