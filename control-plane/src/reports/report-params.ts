import { declaredParams, StoreError, type SqlParam } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';

const RELATIVE = /^(now|today)(?:([+-])(\d+)([mhdw]))?$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** The `{name:Type}` parameters of a statement; a statement the lexer refuses is the body's fault. */
export function paramsOf(sql: string): SqlParam[] {
  try {
    return declaredParams(sql);
  } catch (err) {
    if (err instanceof StoreError) throw new ApiError('invalid_body', `sql: ${err.message}`);
    throw err;
  }
}

/**
 * Parameter values for a run: the given ones over the report's defaults. A value `now`,
 * `today`, `now-7d`, `today-1w`, `now+2h` (units m, h, d, w; `today` is 00:00 UTC) is a time
 * relative to the run, so a weekly report's `{from:DateTime}` default can be `today-7d`.
 */
export function resolveParams(defaults: Record<string, string>, given: Record<string, string>, now: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...defaults, ...given })) out[name] = resolveValue(value, now);
  return out;
}

/** One value: a relative time as 'YYYY-MM-DD hh:mm:ss' UTC, anything else as given. */
export function resolveValue(value: string, now: number): string {
  const m = RELATIVE.exec(value.trim());
  if (!m) return value;
  const base = m[1] === 'today' ? Math.floor(now / UNIT_MS.d) * UNIT_MS.d : now;
  const offset = m[2] ? (m[2] === '-' ? -1 : 1) * Number(m[3]) * UNIT_MS[m[4] as keyof typeof UNIT_MS] : 0;
  // 'YYYY-MM-DD hh:mm:ss' (UTC): what DateTime and DateTime64 parameters parse; Date takes its first 10.
  return new Date(base + offset).toISOString().slice(0, 19).replace('T', ' ');
}
