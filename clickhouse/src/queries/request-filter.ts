import type { RequestFilter } from '../analytics.ts';
import type { ParamValue } from '../driver/driver.ts';
import { integer, invalid, text } from './validate.ts';

export interface SqlFilter {
  /** Conditions holding only `{name:Type}` placeholders; every value goes in params. */
  conditions: string[];
  params: Record<string, ParamValue>;
}

const CACHE_STATUSES: readonly string[] = ['hit', 'miss', 'bypass'];

/**
 * The filter as SQL conditions over columns that the requests table and the rollups name
 * alike (see canUseRollups for which filters the rollups hold).
 */
export function filterConditions(f: RequestFilter): SqlFilter {
  const conditions = ['project_id IN {projectIds:Array(String)}'];
  const params: Record<string, ParamValue> = { projectIds: f.projectIds };
  const add = (condition: string, values: Record<string, ParamValue>) => {
    conditions.push(condition);
    Object.assign(params, values);
  };

  if (f.model !== undefined) add('model = {model:String}', { model: text('model', f.model) });
  if (f.provider !== undefined) add('provider = {provider:String}', { provider: text('provider', f.provider) });
  if (f.key_id !== undefined) add('key_id = {keyId:String}', { keyId: text('key_id', f.key_id) });
  if (f.status !== undefined) add('status = {status:UInt16}', { status: integer('status', f.status, 999) });
  if (f.statusClass !== undefined) {
    add('intDiv(status, 100) = {statusClass:UInt8}', { statusClass: integer('statusClass', f.statusClass, 9) });
  }
  if (f.cache_status !== undefined) {
    if (!CACHE_STATUSES.includes(f.cache_status)) throw invalid('cache_status must be hit, miss or bypass');
    add('cache_status = {cacheStatus:String}', { cacheStatus: f.cache_status });
  }
  if (f.user_id !== undefined) add('user_id = {userId:String}', { userId: text('user_id', f.user_id) });
  if (f.session_id !== undefined) add('session_id = {sessionId:String}', { sessionId: text('session_id', f.session_id) });
  Object.entries(f.properties ?? {}).forEach(([key, value], i) => {
    // mapContains keeps `{k: ''}` from matching rows that lack k (a missing key reads as '').
    add(`mapContains(properties, {propKey${i}:String}) AND properties[{propKey${i}:String}] = {propValue${i}:String}`, {
      [`propKey${i}`]: key,
      [`propValue${i}`]: text(`properties.${key}`, value),
    });
  });
  return { conditions, params };
}

/** The rollups are keyed by model, provider, key, status and cache status only. */
export function canUseRollups(f: RequestFilter): boolean {
  return f.user_id === undefined && f.session_id === undefined && Object.keys(f.properties ?? {}).length === 0;
}

/** `created_at` within [from, to), for the raw table. */
export function rawTimeConditions(from: number | undefined, to: number | undefined, prefix = ''): SqlFilter {
  const conditions: string[] = [];
  const params: Record<string, ParamValue> = {};
  if (from !== undefined) {
    conditions.push(`created_at >= fromUnixTimestamp64Milli({${prefix}from:Int64}, 'UTC')`);
    params[`${prefix}from`] = from;
  }
  if (to !== undefined) {
    conditions.push(`created_at < fromUnixTimestamp64Milli({${prefix}to:Int64}, 'UTC')`);
    params[`${prefix}to`] = to;
  }
  return { conditions, params };
}

/** What counts as an error everywhere (and in the rollups' `errors`): an HTTP error, no response sent, or a failure the proxy classified. */
export const ERROR_CONDITION = "status >= 400 OR status = 0 OR error_type != ''";
