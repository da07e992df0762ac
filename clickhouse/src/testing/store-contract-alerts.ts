import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertEventRecord, AlertQuery, AlertRuleRecord, AlertStateRecord } from '../alerts.ts';
import type { RequestEvent } from '@periscope/contract';
import { StoreError } from '../errors.ts';
import type { Store } from '../store.ts';
import { makeEvent, newProjectId } from './fixtures.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

const makeRule = (overrides: Partial<AlertRuleRecord> = {}): AlertRuleRecord => ({
  rule_id: `rule_${randomUUID().slice(0, 8)}`,
  version: 1,
  project_id: newProjectId(),
  name: 'spend spike',
  enabled: true,
  deleted: false,
  spec: '{"metric":"cost"}',
  created_at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  created_by: 'admin',
  updated_at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  updated_by: 'admin',
  ...overrides,
});

/** Alert rules, their state and history, the evaluation query and leases; registered by storeContract. */
export function alertsContract(getStore: () => Store): void {
  describe('alert rules', () => {
    it('keeps every version and reads the newest as the rule', async () => {
      const store = getStore();
      const v1 = makeRule();
      await store.saveAlertRule(v1);
      const v2 = { ...v1, version: 2, name: 'spend spike (tighter)', spec: '{"metric":"cost","threshold":1}', updated_at: v1.updated_at + 1000, updated_by: 'ops' };
      await store.saveAlertRule(v2);
      expect(await store.getAlertRule(v1.rule_id)).toEqual(v2);
      expect(await store.listAlertRuleVersions(v1.rule_id)).toEqual([v2, v1]);
      expect(await store.listAlertRules([v1.project_id])).toEqual([v2]);
    });

    it('lists by project and name, with rules on every project under the empty project', async () => {
      const store = getStore();
      const project = newProjectId();
      const b = makeRule({ project_id: project, name: 'b errors' });
      const a = makeRule({ project_id: project, name: 'a latency' });
      const everywhere = makeRule({ project_id: '', name: `global ${randomUUID()}` });
      for (const r of [b, a, everywhere]) await store.saveAlertRule(r);
      expect(await store.listAlertRules([project])).toEqual([a, b]);
      expect(await store.listAlertRules([project, ''])).toEqual(expect.arrayContaining([a, b, everywhere]));
      expect(await store.listAlertRules()).toEqual(expect.arrayContaining([a, b, everywhere]));
      expect(await store.listAlertRules([newProjectId()])).toEqual([]);
    });

    it('treats a deletion as the newest version: gone from reads, kept in the versions', async () => {
      const store = getStore();
      const rule = makeRule();
      await store.saveAlertRule(rule);
      const deleted = { ...rule, version: 2, deleted: true, updated_at: rule.updated_at + 1 };
      await store.saveAlertRule(deleted);
      expect(await store.getAlertRule(rule.rule_id)).toBeNull();
      expect(await store.listAlertRules([rule.project_id])).toEqual([]);
      expect((await store.listAlertRuleVersions(rule.rule_id)).map((r) => r.deleted)).toEqual([true, false]);
      expect(await store.getAlertRule('rule_missing')).toBeNull();
    });
  });

  describe('alert state and history', () => {
    const state = (ruleId: string, o: Partial<AlertStateRecord> = {}): AlertStateRecord => ({
      rule_id: ruleId, group_key: 'gpt-4o', state: 'firing', value: 0.75, since: Date.now() - 5000, clear_since: null,
      last_notified_at: Date.now() - 5000, seq: 1, rule_version: 1, updated_at: Date.now() - 5000, ...o,
    });

    it('keeps the newest state per rule and group', async () => {
      const store = getStore();
      const ruleId = `rule_${randomUUID()}`;
      const first = state(ruleId);
      const other = state(ruleId, { group_key: '' , state: 'ok', value: null, last_notified_at: null, seq: 0 });
      await store.saveAlertStates([first, other]);
      const resolved = state(ruleId, { state: 'resolved', value: 0.1, clear_since: Date.now() - 2000, seq: 2, updated_at: Date.now() });
      await store.saveAlertStates([resolved]);
      expect(await store.listAlertStates([ruleId])).toEqual([other, resolved]);
      expect(await store.listAlertStates([])).toEqual([]);
      expect(await store.listAlertStates()).toEqual(expect.arrayContaining([other, resolved]));
    });

    it('lists history newest first, pages back, and lets a rewrite of an event replace it', async () => {
      const store = getStore();
      const ruleId = `rule_${randomUUID()}`;
      const at = Date.now() - 60_000;
      const event = (i: number, o: Partial<AlertEventRecord> = {}): AlertEventRecord => ({
        event_id: `${ruleId}:gpt-4o:${i}`, rule_id: ruleId, rule_version: 1, at: at + i * 1000, group_key: 'gpt-4o',
        kind: i % 2 ? 'firing' : 'resolved', value: i / 10, threshold: 0.5, deliveries: '', ...o,
      });
      await store.insertAlertEvents([event(1), event(2), event(3)]);
      const delivered = event(3, { deliveries: '[{"channel":"webhook","ok":true}]' });
      await new Promise((r) => setTimeout(r, 5)); // the newer write must carry a later server time
      await store.insertAlertEvents([delivered]);
      expect(await store.listAlertEvents({ rule_id: ruleId })).toEqual([delivered, event(2), event(1)]);
      expect(await store.listAlertEvents({ rule_id: ruleId, limit: 1, before: at + 3000 })).toEqual([event(2)]);
    });

    it('refuses unknown states and event kinds', async () => {
      const store = getStore();
      await expectInvalid(store.saveAlertStates([state('r', { state: 'pending' as never })]));
      await expectInvalid(store.insertAlertEvents([{ event_id: 'e', rule_id: 'r', rule_version: 1, at: Date.now(), group_key: '', kind: 'flapping' as never, value: null, threshold: 1, deliveries: '' }]));
    });
  });

  describe('alert evaluation', () => {
    /** Calls around an hour boundary in the past, so the window crosses raw edges and both rollups. */
    const seed = async (project: string) => {
      const T = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
      const e = (offsetMs: number, o: Partial<RequestEvent>) => makeEvent({ project_id: project, created_at: T + offsetMs, ttft_ms: null, cost_saved_usd: 0, ...o });
      await getStore().insertRequests([
        e(-10 * MIN - 5_000, { model: 'gpt-4o', cost_usd: 0.3, latency_ms: 100, prompt_tokens: 100, cache_read_tokens: 50 }),
        e(-30_000, { model: 'gpt-4o', cost_usd: 0.2, latency_ms: 300, status: 500, error_type: 'upstream_error', prompt_tokens: 100 }),
        e(20 * MIN, { model: 'gpt-4o', cost_usd: 0.1, latency_ms: 200, cache_status: 'hit', prompt_tokens: 0, completion_tokens: 0 }),
        e(61 * MIN + 10_000, { model: 'claude-sonnet-4-5', provider: 'anthropic', cost_usd: 0.05, latency_ms: 1000, prompt_tokens: 10, user_id: 'ana' }),
        e(61 * MIN + 20_000, { model: 'claude-sonnet-4-5', provider: 'anthropic', cost_usd: 0.01, latency_ms: 2000, prompt_tokens: 10 }),
        // outside the window
        e(2 * HOUR, { model: 'gpt-4o', cost_usd: 9 }),
      ]);
      return { from: T - 10 * MIN - 10_000, to: T + 61 * MIN + 30_000 };
    };
    const query = (project: string, range: { from: number; to: number }, o: Partial<AlertQuery>): AlertQuery => ({
      ...range, filter: { projectIds: [project] }, aggregate: 'cost_sum', minRequests: 0, maxGroups: 10, order: 'desc', ...o,
    });

    it('computes each aggregate over the window, across raw rows and rollups', async () => {
      const project = newProjectId('alert');
      const range = await seed(project);
      const value = async (o: Partial<AlertQuery>) => (await getStore().evaluateAlert(query(project, range, o)))[0]?.value;
      expect(await value({ aggregate: 'cost_sum' })).toBeCloseTo(0.66, 9);
      expect(await value({ aggregate: 'cost_avg' })).toBeCloseTo(0.132, 9);
      expect(await value({ aggregate: 'requests' })).toBe(5);
      expect(await value({ aggregate: 'errors' })).toBe(1);
      expect(await value({ aggregate: 'error_rate' })).toBeCloseTo(0.2, 9);
      expect(await value({ aggregate: 'tokens_prompt' })).toBe(220);
      expect(await value({ aggregate: 'tokens_cache_read' })).toBe(50);
      expect(await value({ aggregate: 'cache_hit_rate' })).toBeCloseTo(0.2, 9);
      expect(await value({ aggregate: 'prompt_cache_hit_rate' })).toBeCloseTo(50 / 220, 9);
      expect(await value({ aggregate: 'latency_p50' })).toBe(300);
      expect(await value({ aggregate: 'latency_p99' })).toBeGreaterThan(1500);
      expect(await value({ aggregate: 'ttft_p95' })).toBeNull();
    });

    it('observes per group, most breaching first, and skips groups under min_requests', async () => {
      const project = newProjectId('alert');
      const range = await seed(project);
      const store = getStore();
      expect(await store.evaluateAlert(query(project, range, { group_by: ['model'] }))).toEqual([
        { group: 'gpt-4o', value: expect.closeTo(0.6, 9), requests: 3 },
        { group: 'claude-sonnet-4-5', value: expect.closeTo(0.06, 9), requests: 2 },
      ]);
      expect((await store.evaluateAlert(query(project, range, { group_by: ['model'], order: 'asc', maxGroups: 1 }))).map((o) => o.group)).toEqual(['claude-sonnet-4-5']);
      expect((await store.evaluateAlert(query(project, range, { group_by: ['model'], minRequests: 3 }))).map((o) => o.group)).toEqual(['gpt-4o']);
      expect(await store.evaluateAlert(query(project, range, { group_by: ['provider', 'model'], aggregate: 'requests' }))).toEqual([
        { group: 'openai / gpt-4o', value: 3, requests: 3 },
        { group: 'anthropic / claude-sonnet-4-5', value: 2, requests: 2 },
      ]);
      // user_id is not in the rollups, so this reads the raw table; the empty user is dropped on request.
      expect(await store.evaluateAlert(query(project, range, { group_by: ['user_id'], skipEmptyGroup: true }))).toEqual([
        { group: 'ana', value: expect.closeTo(0.05, 9), requests: 1 },
      ]);
    });

    it('applies the request-log filters', async () => {
      const project = newProjectId('alert');
      const range = await seed(project);
      const [obs] = await getStore().evaluateAlert({ ...query(project, range, {}), filter: { projectIds: [project], provider: 'anthropic', statusClass: 2 } });
      expect(obs?.value).toBeCloseTo(0.06, 9);
    });

    it('gives a sum of 0 for a silent window unless requests are required, and no value for a rate', async () => {
      const store = getStore();
      const range = { from: Date.now() - 5 * MIN, to: Date.now() };
      const project = newProjectId('silent');
      expect(await store.evaluateAlert(query(project, range, { aggregate: 'requests' }))).toEqual([{ group: '', value: 0, requests: 0 }]);
      expect(await store.evaluateAlert(query(project, range, { aggregate: 'error_rate' }))).toEqual([{ group: '', value: null, requests: 0 }]);
      expect(await store.evaluateAlert(query(project, range, { minRequests: 1 }))).toEqual([]);
      expect(await store.evaluateAlert(query(project, range, { group_by: ['model'] }))).toEqual([]);
      expect(await store.evaluateAlert({ ...query(project, range, {}), filter: { projectIds: [] } })).toEqual([{ group: '', value: 0, requests: 0 }]);
    });

    it('refuses unknown aggregates and percentiles', async () => {
      const range = { from: Date.now() - MIN, to: Date.now() };
      await expectInvalid(getStore().evaluateAlert(query('p', range, { aggregate: 'latency_p42' })));
      await expectInvalid(getStore().evaluateAlert(query('p', range, { aggregate: 'nope' as never })));
      await expectInvalid(getStore().evaluateAlert(query('p', range, { group_by: ['property:a', 'property:b'] })));
    });
  });

  describe('leases', () => {
    it('collects the claims of the newest term with the server clock', async () => {
      const store = getStore();
      const name = `lease-${randomUUID()}`;
      const empty = await store.readLease(name);
      expect(empty.term).toBe(0);
      expect(empty.claims).toEqual([]);
      expect(Math.abs(empty.now - Date.now())).toBeLessThan(5000);

      await store.claimLease(name, 1, 'a', 10_000);
      await store.claimLease(name, 1, 'b', 10_000);
      await store.claimLease(name, 2, 'c', 5_000);
      const view = await store.readLease(name);
      expect(view.term).toBe(2);
      expect(view.claims).toEqual([{ holder: 'c', claimed_at: expect.any(Number), ttl_ms: 5000 }]);
      expect(view.claims[0]!.claimed_at).toBeLessThanOrEqual(view.now);
    });
  });
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('invalid_argument');
}
