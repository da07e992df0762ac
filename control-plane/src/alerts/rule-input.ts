import { GROUP_BY_COLUMNS, type RequestFilter } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';
import { parseRequestFilter } from '../api/request-filters.ts';
import { parseChannels } from './channels/index.ts';
import { type Channel, AGGREGATIONS, ALERT_METRICS, BUDGET_DIMENSIONS, BUDGET_PERIODS, COMPARATORS, SEVERITIES, TOKEN_KINDS, type BudgetRef, type RuleDefinition, type RuleFilter } from '@periscope/contract';
import { bad, boolean, integer, number, object, oneOf, onlyKeys, string } from './json-input.ts';
import { durationMs } from './rule-functions.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** The UI offers 5 minutes to 30 days; shorter windows (from 10 s) are for trying a rule out. */
export const WINDOW_RANGE = { min: 10_000, max: 30 * DAY };
export const INTERVAL_RANGE = { min: 1000, max: DAY };
const PERIOD_WINDOWS = { day: '1d', week: '7d', month: '31d' } as const;

const FIELDS = [
  'name', 'project', 'enabled', 'metric', 'aggregation', 'token_kind', 'budget', 'filter', 'group_by', 'window', 'comparator',
  'threshold', 'min_requests', 'interval', 'resolve_after', 'renotify', 'severity', 'channels',
  // The client may send back what it read; these are not its to set.
  'id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by', 'state', 'groups',
];

/** The request-log filters a rule accepts (GET /api/requests's, minus time, search and sort). */
const FILTER_FIELDS = ['model', 'provider', 'status', 'status_class', 'user_id', 'session_id', 'cache_status', 'key_id'];

export interface RuleInput {
  name: string;
  project: string | null;
  enabled: boolean;
  definition: RuleDefinition;
}

/**
 * `POST /api/alerts` (and PUT, which takes the same body): issue 9's contract, extended.
 * Defaults fill what a client leaves out; `previousChannels` lets masked secrets through.
 */
export function parseRuleInput(body: unknown, previousChannels: readonly Channel[] = []): RuleInput {
  const o = object(body, 'the body');
  onlyKeys(o, '', FIELDS);
  const metric = oneOf(o.metric, 'metric', ALERT_METRICS);
  const aggregations = AGGREGATIONS[metric];
  const aggregation = o.aggregation === undefined ? aggregations[0]! : oneOf(o.aggregation, 'aggregation', aggregations);
  const interval = duration(o.interval ?? '1m', 'interval', INTERVAL_RANGE);
  const definition: RuleDefinition = {
    metric,
    aggregation,
    filter: parseFilter(o.filter),
    group_by: parseGroupBy(o.group_by),
    window: metric === 'budget_used' ? '' : duration(o.window, 'window', WINDOW_RANGE),
    comparator: oneOf(o.comparator, 'comparator', COMPARATORS),
    threshold: number(o.threshold, 'threshold'),
    min_requests: o.min_requests === undefined || o.min_requests === null ? 1 : integer(o.min_requests, 'min_requests', 0, 1_000_000_000),
    interval,
    resolve_after: o.resolve_after === undefined ? interval : duration(o.resolve_after, 'resolve_after', { min: 0, max: DAY }),
    renotify: o.renotify === null ? null : duration(o.renotify ?? '4h', 'renotify', { min: MINUTE, max: 30 * DAY }),
    severity: o.severity === undefined ? 'warning' : oneOf(o.severity, 'severity', SEVERITIES),
    channels: parseChannels(o.channels, 'channels', previousChannels),
  };
  if (metric === 'tokens') definition.token_kind = o.token_kind === undefined ? 'total' : oneOf(o.token_kind, 'token_kind', TOKEN_KINDS);
  else if (o.token_kind !== undefined) throw bad('token_kind', 'applies to the tokens metric only');
  if (metric === 'budget_used') {
    definition.budget = parseBudget(o.budget);
    // A budget is spent over its calendar period (from the 1st, Monday, midnight UTC), not a sliding window.
    definition.window = PERIOD_WINDOWS[definition.budget.period];
    // The budget's own match decides what it counts and how it is grouped.
    if (Object.keys(definition.filter).length > 0 || definition.group_by !== null) throw bad('budget_used', 'rules take no filter or group_by: the budget\'s match decides both');
  } else if (o.budget !== undefined) {
    throw bad('budget', 'applies to the budget_used metric only');
  }
  return {
    name: string(o.name, 'name', 200),
    project: o.project === undefined || o.project === null || o.project === '' ? null : string(o.project, 'project', 64),
    enabled: o.enabled === undefined ? true : boolean(o.enabled, 'enabled'),
    definition,
  };
}

function duration(value: unknown, path: string, range: { min: number; max: number }): string {
  const text = typeof value === 'string' ? value : '';
  const ms = durationMs(text);
  if (ms === undefined) throw bad(path, 'must be a duration like 30s, 5m, 1h or 7d');
  if (ms < range.min || ms > range.max) throw bad(path, `must be from ${range.min / 1000}s to ${range.max / 1000}s`);
  return text;
}

/**
 * The filter object in the request log's own parameter names; checked by the same parser as
 * `GET /api/requests`, so a rule filters exactly as the log link it sends.
 */
function parseFilter(value: unknown): RuleFilter {
  if (value === undefined || value === null) return {};
  const o = object(value, 'filter');
  const filter: RuleFilter = {};
  for (const [name, v] of Object.entries(o)) {
    if (!FILTER_FIELDS.includes(name) && !(name.startsWith('property.') && name.length > 'property.'.length)) {
      throw bad('filter', `has unknown field ${name} (use ${FILTER_FIELDS.join(', ')} or property.<name>)`);
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(`filter.${name}`, 'must be a string or number');
    filter[name.startsWith('property.') ? name.toLowerCase() : name] = String(v);
  }
  try {
    parseRequestFilter(filter, []);
  } catch (err) {
    if (err instanceof ApiError) throw bad('filter:', err.message);
    throw err;
  }
  return filter;
}

/** The store-facing filter of a rule over the projects it covers. */
export const requestFilterOf = (filter: RuleFilter, projectIds: string[]): RequestFilter => parseRequestFilter(filter, projectIds);

function parseGroupBy(value: unknown): string | null {
  if (value === undefined || value === null || value === 'none') return null;
  const text = string(value, 'group_by', 200);
  if (text.startsWith('property:') && text.length > 'property:'.length) return `property:${text.slice('property:'.length).toLowerCase()}`;
  if (text === 'none' || !(GROUP_BY_COLUMNS as readonly string[]).includes(text)) {
    throw bad('group_by', `must be one of ${GROUP_BY_COLUMNS.filter((c) => c !== 'none').join(', ')} or property:<name>`);
  }
  return text;
}

function parseBudget(value: unknown): BudgetRef {
  const o = object(value, 'budget');
  onlyKeys(o, 'budget', ['match', 'period']);
  const match = object(o.match ?? {}, 'budget.match');
  onlyKeys(match, 'budget.match', BUDGET_DIMENSIONS);
  const clean: BudgetRef['match'] = {};
  for (const dim of BUDGET_DIMENSIONS) if (match[dim] !== undefined) clean[dim] = string(match[dim], `budget.match.${dim}`, 200);
  return { match: clean, period: oneOf(o.period, 'budget.period', BUDGET_PERIODS) };
}
