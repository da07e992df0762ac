import { ApiError } from '../errors.ts';

/**
 * Readers for JSON bodies: each checks one value at a path and names that path when it is
 * wrong (`channels[0].url must be ...`), so a client learns exactly what to fix.
 */
export const bad = (path: string, message: string): ApiError => new ApiError('invalid_body', `${path} ${message}`);

export function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(path, 'must be an object');
  return value as Record<string, unknown>;
}

export function string(value: unknown, path: string, max = 1000): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(path, 'must be a non-empty string');
  if (value.length > max) throw bad(path, `must be at most ${max} characters`);
  return value;
}

export function optionalString(value: unknown, path: string, max = 1000): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path, max);
}

export function number(value: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(path, 'must be a number');
  if (value < min || value > max) throw bad(path, `must be from ${min} to ${max}`);
  return value;
}

export function integer(value: unknown, path: string, min: number, max: number): number {
  const n = number(value, path, min, max);
  if (!Number.isInteger(n)) throw bad(path, 'must be an integer');
  return n;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw bad(path, 'must be true or false');
  return value;
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw bad(path, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function array(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw bad(path, 'must be an array');
  if (value.length > max) throw bad(path, `must have at most ${max} items`);
  return value;
}

/** Refuses fields the schema does not know, so a typo (`treshold`) is not silently ignored. */
export function onlyKeys(value: Record<string, unknown>, path: string, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw bad(path === '' ? 'the body' : path, `has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
}

export function httpUrl(value: unknown, path: string): string {
  const text = string(value, path, 2000);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(path, 'must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(path, 'must be an http(s) URL');
  if (url.username || url.password) throw bad(path, 'must not carry credentials (use a secret or headers)');
  return url.toString();
}
