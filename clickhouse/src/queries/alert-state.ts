import {
  ALERT_EVENT_KINDS, ALERT_STATES, type AlertEventRecord, type AlertEventsQuery, type AlertStateRecord,
} from '../alerts.ts';
import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import { numberOrNull } from './aggregate-source.ts';
import { toDateTime64 } from './datetime.ts';
import { epochMs, invalid, limitWithin } from './validate.ts';

type Numeric = number | string;

interface RawState {
  rule_id: string;
  group_key: string;
  state: string;
  value: Numeric | null;
  since_ms: Numeric;
  clear_since_ms: Numeric | null;
  last_notified_at_ms: Numeric | null;
  seq: Numeric;
  rule_version: Numeric;
  updated_at_ms: Numeric;
}

interface RawEvent {
  event_id: string;
  rule_id: string;
  rule_version: Numeric;
  at_ms: Numeric;
  group_key: string;
  kind: string;
  value: Numeric | null;
  threshold: Numeric;
  deliveries: string;
}

const dt = (ms: number | null) => (ms === null ? null : toDateTime64(ms));
const ms = (v: Numeric | null) => (v === null ? null : Number(v));

/** Rows replace earlier rows of the same rule and group (ReplacingMergeTree by updated_at). */
export async function saveAlertStates(driver: Driver, states: AlertStateRecord[]): Promise<void> {
  if (states.length === 0) return;
  for (const s of states) {
    if (!(ALERT_STATES as readonly string[]).includes(s.state)) throw invalid(`unknown alert state ${s.state}`);
    epochMs('updated_at', s.updated_at);
  }
  await driver.insertJSONEachRow(privateTable(driver, 'alert_states'), states.map((s) => ({
    rule_id: s.rule_id,
    group_key: s.group_key,
    state: s.state,
    value: s.value,
    since: toDateTime64(s.since),
    clear_since: dt(s.clear_since),
    last_notified_at: dt(s.last_notified_at),
    seq: s.seq,
    rule_version: s.rule_version,
    updated_at: toDateTime64(s.updated_at),
  })));
}

/** The newest state of every group of these rules (of every rule when omitted). */
export async function listAlertStates(driver: Driver, ruleIds?: string[]): Promise<AlertStateRecord[]> {
  if (ruleIds?.length === 0) return [];
  const rows = await driver.query<RawState>(
    `SELECT rule_id, group_key, state, value, seq, rule_version,
       toUnixTimestamp64Milli(since) AS since_ms,
       toUnixTimestamp64Milli(clear_since) AS clear_since_ms,
       toUnixTimestamp64Milli(last_notified_at) AS last_notified_at_ms,
       toUnixTimestamp64Milli(updated_at) AS updated_at_ms
     FROM ${privateTable(driver, 'alert_states')} FINAL
     ${ruleIds ? 'WHERE rule_id IN {ruleIds:Array(String)}' : ''}
     ORDER BY rule_id, group_key`,
    ruleIds ? { ruleIds } : {},
  );
  return rows.map((r) => ({
    rule_id: r.rule_id,
    group_key: r.group_key,
    state: r.state as AlertStateRecord['state'],
    value: numberOrNull(r.value),
    since: Number(r.since_ms),
    clear_since: ms(r.clear_since_ms),
    last_notified_at: ms(r.last_notified_at_ms),
    seq: Number(r.seq),
    rule_version: Number(r.rule_version),
    updated_at: Number(r.updated_at_ms),
  }));
}

/**
 * Appends history. An event written again with the same event_id (its delivery outcome, or
 * a second evaluator repeating a transition) replaces the earlier row: the table keeps the
 * row written last (ReplacingMergeTree by written_at, which the server fills in).
 */
export async function insertAlertEvents(driver: Driver, events: AlertEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  for (const e of events) {
    if (!(ALERT_EVENT_KINDS as readonly string[]).includes(e.kind)) throw invalid(`unknown alert event kind ${e.kind}`);
    epochMs('at', e.at);
  }
  await driver.insertJSONEachRow(privateTable(driver, 'alert_events'), events.map((e) => ({
    event_id: e.event_id,
    rule_id: e.rule_id,
    rule_version: e.rule_version,
    at: toDateTime64(e.at),
    group_key: e.group_key,
    kind: e.kind,
    value: e.value,
    threshold: e.threshold,
    deliveries: e.deliveries,
  })));
}

/** A rule's history, newest first. */
export async function listAlertEvents(driver: Driver, q: AlertEventsQuery): Promise<AlertEventRecord[]> {
  const limit = limitWithin(q.limit, 100, 1000);
  const params: Record<string, string | number> = { ruleId: q.rule_id, limit };
  if (q.before !== undefined) params.before = epochMs('before', q.before);
  const rows = await driver.query<RawEvent>(
    `SELECT event_id, rule_id, rule_version, group_key, kind, value, threshold, deliveries,
       toUnixTimestamp64Milli(at) AS at_ms
     FROM ${privateTable(driver, 'alert_events')} FINAL
     WHERE rule_id = {ruleId:String} ${q.before !== undefined ? "AND at < fromUnixTimestamp64Milli({before:Int64}, 'UTC')" : ''}
     ORDER BY at DESC, event_id DESC
     LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map((r) => ({
    event_id: r.event_id,
    rule_id: r.rule_id,
    rule_version: Number(r.rule_version),
    at: Number(r.at_ms),
    group_key: r.group_key,
    kind: r.kind as AlertEventRecord['kind'],
    value: numberOrNull(r.value),
    threshold: Number(r.threshold),
    deliveries: r.deliveries,
  }));
}
