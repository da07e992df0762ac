import { describe, expect, it } from 'vitest';
import type { AlertStateRecord } from '@periscope/clickhouse';
import { step, type StepRule } from './state-machine.ts';

const rule: StepRule = { id: 'r1', version: 3, comparator: '>', threshold: 10, resolveAfterMs: 30_000, renotifyMs: 3_600_000 };

/** Runs observations through the machine as the evaluator does, keeping each written state. */
function run(values: Array<[number, number | null | undefined]>, r: StepRule = rule) {
  let state: AlertStateRecord | undefined;
  const events: string[] = [];
  for (const [at, value] of values) {
    const s = step(state, value === undefined ? undefined : { value }, r, 'gpt-4o', at);
    if (s.next) state = s.next;
    if (s.event) events.push(`${at}:${s.event.kind}:${s.event.id}`);
  }
  return { state, events };
}

describe('alert state machine', () => {
  it('stays silent while ok, and writes nothing', () => {
    expect(step(undefined, { value: 5 }, rule, '', 0)).toEqual({});
    expect(step(undefined, undefined, rule, '', 0)).toEqual({});
    expect(step(undefined, { value: null }, rule, '', 0)).toEqual({});
  });

  it('fires once when the threshold is crossed, and not again while it keeps breaching', () => {
    const { state, events } = run([[0, 5], [1000, 11], [2000, 50], [3000, 12]]);
    expect(events).toEqual(['1000:firing:r1:gpt-4o:1:firing']);
    expect(state).toMatchObject({ state: 'firing', since: 1000, value: 11, seq: 1, rule_version: 3, last_notified_at: 1000 });
  });

  it('compares with the rule comparator, the threshold itself included or not', () => {
    expect(step(undefined, { value: 10 }, rule, '', 0).event).toBeUndefined();
    expect(step(undefined, { value: 10 }, { ...rule, comparator: '>=' }, '', 0).event?.kind).toBe('firing');
    expect(step(undefined, { value: 9 }, { ...rule, comparator: '<' }, '', 0).event?.kind).toBe('firing');
    expect(step(undefined, { value: 10 }, { ...rule, comparator: '<=' }, '', 0).event?.kind).toBe('firing');
  });

  it('resolves only after the condition stayed clear for the cooldown, with a new id', () => {
    const { state, events } = run([[0, 20], [10_000, 5], [20_000, 5], [39_999, 5], [40_000, 4]]);
    expect(events).toEqual(['0:firing:r1:gpt-4o:1:firing', '40000:resolved:r1:gpt-4o:2:resolved']);
    expect(state).toMatchObject({ state: 'resolved', since: 40_000, value: 4, clear_since: null, seq: 2 });
  });

  it('restarts the cooldown when the condition breaches again before it ends', () => {
    const { events } = run([[0, 20], [10_000, 5], [20_000, 15], [30_000, 5], [50_000, 5], [60_000, 5]]);
    expect(events).toEqual(['0:firing:r1:gpt-4o:1:firing', '60000:resolved:r1:gpt-4o:2:resolved']);
  });

  it('treats a group without data as clear (a resolved alert has no value then)', () => {
    const { state, events } = run([[0, 20], [1000, undefined]], { ...rule, resolveAfterMs: 0 });
    expect(events).toEqual(['0:firing:r1:gpt-4o:1:firing', '1000:resolved:r1:gpt-4o:2:resolved']);
    expect(state?.value).toBeNull();
  });

  it('re-notifies a firing group every renotify interval, never when it is off', () => {
    const values: Array<[number, number]> = [[0, 20], [1_800_000, 20], [3_600_000, 20], [5_400_000, 20], [7_200_000, 20]];
    expect(run(values).events).toEqual(['0:firing:r1:gpt-4o:1:firing', '3600000:renotify:r1:gpt-4o:1:renotify:3600000', '7200000:renotify:r1:gpt-4o:1:renotify:7200000']);
    expect(run(values, { ...rule, renotifyMs: null }).events).toEqual(['0:firing:r1:gpt-4o:1:firing']);
  });

  it('fires again after resolving, numbering the next transitions on', () => {
    const { events } = run([[0, 20], [1000, 1], [2000, 30]], { ...rule, resolveAfterMs: 0 });
    expect(events.map((e) => e.split(':').slice(-2).join(':'))).toEqual(['1:firing', '2:resolved', '3:firing']);
  });

  it('gives two evaluators stepping from the same stored state the same event id', () => {
    const stored = step(undefined, { value: 20 }, rule, 'g', 0).next!;
    const a = step(stored, { value: 1 }, { ...rule, resolveAfterMs: 0 }, 'g', 5000);
    const b = step(stored, { value: 2 }, { ...rule, resolveAfterMs: 0 }, 'g', 5200);
    expect(a.event?.id).toBe(b.event?.id);
  });
});
