import type { AlertEventKind, AlertStateRecord } from '@periscope/clickhouse';
import { type Comparator } from '@periscope/contract';
import { breaches } from './rule-functions.ts';

export interface StepRule {
  id: string;
  version: number;
  comparator: Comparator;
  threshold: number;
  resolveAfterMs: number;
  /** null: notify on transitions only. */
  renotifyMs: number | null;
}

/** What the evaluation saw for a group; undefined when the group had no data (or fewer requests than required). */
export interface Observed {
  value: number | null;
}

export interface Step {
  /** The state to store; undefined when nothing changed (most evaluations write nothing). */
  next?: AlertStateRecord;
  /** What to notify and record in history. */
  event?: { kind: Exclude<AlertEventKind, 'test'>; id: string };
}

/**
 * One evaluation of one rule for one group: ok/resolved → firing when the value breaches the
 * threshold; firing → resolved once the condition has been clear (or without data) for
 * `resolveAfterMs`; a firing group is re-notified every `renotifyMs`. Each transition bumps
 * `seq`, and the event id is built from it, so two evaluators that compute the same
 * transition from the same stored state produce the same id (history and receivers dedupe).
 */
export function step(prev: AlertStateRecord | undefined, observed: Observed | undefined, rule: StepRule, group: string, now: number): Step {
  const value = observed?.value ?? null;
  const breaching = value !== null && breaches(value, rule.comparator, rule.threshold);
  const base: AlertStateRecord = prev ?? {
    rule_id: rule.id, group_key: group, state: 'ok', value: null, since: now, clear_since: null, last_notified_at: null, seq: 0, rule_version: rule.version, updated_at: now,
  };
  const write = (changes: Partial<AlertStateRecord>): AlertStateRecord => ({ ...base, rule_version: rule.version, updated_at: now, ...changes });
  const eventId = (seq: number, kind: string) => `${rule.id}:${group}:${seq}:${kind}`;

  if (base.state !== 'firing') {
    if (!breaching) return {};
    const seq = base.seq + 1;
    return {
      next: write({ state: 'firing', value, since: now, clear_since: null, last_notified_at: now, seq }),
      event: { kind: 'firing', id: eventId(seq, 'firing') },
    };
  }

  if (breaching) {
    const due = rule.renotifyMs !== null && now - (base.last_notified_at ?? base.since) >= rule.renotifyMs;
    if (due) return { next: write({ value, clear_since: null, last_notified_at: now }), event: { kind: 'renotify', id: eventId(base.seq, `renotify:${now}`) } };
    // Cleared for a moment, breaching again: the cooldown starts over next time it clears.
    return base.clear_since === null ? {} : { next: write({ clear_since: null }) };
  }

  const clearSince = base.clear_since ?? now;
  if (now - clearSince >= rule.resolveAfterMs) {
    const seq = base.seq + 1;
    return {
      next: write({ state: 'resolved', value, since: now, clear_since: null, last_notified_at: now, seq }),
      event: { kind: 'resolved', id: eventId(seq, 'resolved') },
    };
  }
  return base.clear_since === null ? { next: write({ clear_since: now }) } : {};
}
