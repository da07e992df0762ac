import { describe, expect, it } from 'vitest';
import { TIMESERIES_METRICS, type Summary } from '../analytics.ts';
import type { RequestEvent } from '@periscope/contract';
import { StoreError } from '../errors.ts';
import type { Store } from '../store.ts';
import { makeEvent, newProjectId } from './fixtures.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * The overview, sessions, users and pickers, registered by storeContract. Times sit around an
 * hour boundary in the past, so ranges cross raw edges, minute and hour rollups alike.
 */
export function analyticsContract(getStore: () => Store): void {
  const hour = () => Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
  const expectInvalid = async (promise: Promise<unknown>, code = 'invalid_argument') => {
    const err = await promise.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe(code);
  };

  describe('metrics summary', () => {
    /** Five calls in [T+30s, T+2h+30s), two before it, one after: see the hand-computed values below. */
    const seed = async (project: string, extra: Partial<RequestEvent> = {}) => {
      const T = hour();
      const e = (offsetMs: number, o: Partial<RequestEvent>) =>
        makeEvent({ project_id: project, created_at: T + offsetMs, cost_usd: 0, cost_saved_usd: 0, ttft_ms: null, ...o, ...extra });
      await getStore().insertRequests([
        // current window: a raw edge, a minute-rollup minute, an hour-rollup hour, the other raw edge
        e(40_000, { latency_ms: 100, ttft_ms: 50, streamed: true, prompt_tokens: 100, completion_tokens: 10, cache_read_tokens: 40, cost_usd: 0.01 }),
        e(30 * MIN, { status: 500, error_type: 'upstream_error', latency_ms: 300, prompt_tokens: 200, completion_tokens: 0 }),
        e(90 * MIN, { latency_ms: 200, ttft_ms: 70, streamed: true, cache_status: 'hit', cost_saved_usd: 0.02, prompt_tokens: 100, completion_tokens: 10 }),
        e(2 * HOUR + 10_000, { status: 0, error_type: 'client_aborted', latency_ms: 400, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0.005 }),
        e(2 * HOUR + 20_000, { latency_ms: 500, ttft_ms: 90, streamed: true, prompt_tokens: 50, completion_tokens: 5, cache_read_tokens: 50, cost_usd: 0.002, cache_status: 'bypass' }),
        // previous window
        e(10_000, { status: 429, error_type: 'rate_limit', latency_ms: 1000, prompt_tokens: 10, completion_tokens: 0 }),
        e(-HOUR, { latency_ms: 20, prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.001 }),
        // after the range
        e(2 * HOUR + 40_000, { latency_ms: 9999 }),
      ]);
      return { from: T + 30_000, to: T + 2 * HOUR + 30_000 };
    };

    const expectedCurrent: Summary = {
      requests: 5,
      cost_usd: 0.017,
      prompt_tokens: 450,
      completion_tokens: 25,
      total_tokens: 475,
      errors: 2,
      error_rate: 0.4,
      latency_p50_ms: 300,
      latency_p95_ms: 500,
      ttft_p95_ms: 90,
      cache_hits: 1,
      cache_hit_rate: 0.2,
      prompt_cache_read_tokens: 90,
      prompt_cache_hit_rate: 0.2,
      cost_saved_usd: 0.02,
    };
    const expectSummary = (actual: Summary, expected: Summary) => {
      for (const [k, v] of Object.entries(expected)) {
        const got = actual[k as keyof Summary];
        if (v === null) expect(got, k).toBeNull();
        else expect(got, k).toBeCloseTo(v, 9);
      }
    };

    it('matches hand-computed values, with the previous window of the same length', async () => {
      const project = newProjectId();
      const range = await seed(project);
      const summary = await getStore().metricsSummary({ projectIds: [project], ...range });
      expect(summary.from).toBe(new Date(range.from).toISOString());
      expect(summary.to).toBe(new Date(range.to).toISOString());
      expectSummary(summary.current, expectedCurrent);
      expectSummary(summary.previous, {
        requests: 2, cost_usd: 0.001, prompt_tokens: 11, completion_tokens: 1, total_tokens: 12, errors: 1, error_rate: 0.5,
        latency_p50_ms: 20, latency_p95_ms: 1000, ttft_p95_ms: null, cache_hits: 0, cache_hit_rate: 0,
        prompt_cache_read_tokens: 0, prompt_cache_hit_rate: 0, cost_saved_usd: 0,
      });
    });

    it('gives the same numbers from the raw table when a filter needs it', async () => {
      const project = newProjectId();
      const range = await seed(project, { properties: { suite: 'raw' }, user_id: 'u1' });
      const viaRaw = await getStore().metricsSummary({ projectIds: [project], ...range, properties: { suite: 'raw' } });
      expectSummary(viaRaw.current, expectedCurrent);
      const viaUser = await getStore().metricsSummary({ projectIds: [project], ...range, user_id: 'u1' });
      expectSummary(viaUser.current, expectedCurrent);
      const none = await getStore().metricsSummary({ projectIds: [project], ...range, user_id: 'u2' });
      expect(none.current.requests).toBe(0);
      expect(none.current.latency_p50_ms).toBeNull();
    });

    it('applies the rollup filters', async () => {
      const project = newProjectId();
      const range = await seed(project);
      const q = { projectIds: [project], ...range };
      expect((await getStore().metricsSummary({ ...q, statusClass: 5 })).current.requests).toBe(1);
      expect((await getStore().metricsSummary({ ...q, status: 0 })).current.requests).toBe(1);
      expect((await getStore().metricsSummary({ ...q, cache_status: 'hit' })).current.cache_hit_rate).toBe(1);
      expect((await getStore().metricsSummary({ ...q, model: 'gpt-4o-mini', provider: 'openai', key_id: 'key_1' })).current.requests).toBe(5);
      expect((await getStore().metricsSummary({ ...q, key_id: 'key_other' })).current.requests).toBe(0);
    });

    it('sees only the given projects', async () => {
      const a = newProjectId('a');
      const b = newProjectId('b');
      const range = await seed(a);
      await seed(b);
      expect((await getStore().metricsSummary({ projectIds: [a], ...range })).current.requests).toBe(5);
      expect((await getStore().metricsSummary({ projectIds: [a, b], ...range })).current.requests).toBe(10);
      const nothing = await getStore().metricsSummary({ projectIds: [], ...range });
      expect(nothing.current).toMatchObject({ requests: 0, cost_usd: 0, error_rate: 0, latency_p95_ms: null });
    });

    it('counts a batch retried with the same dedup token once', async () => {
      const project = newProjectId();
      const T = hour();
      const batch = Array.from({ length: 4 }, (_, i) => makeEvent({ project_id: project, created_at: T + i * MIN }));
      await getStore().insertRequests(batch, { dedupToken: `rollup-${project}` });
      await getStore().insertRequests(batch, { dedupToken: `rollup-${project}` });
      expect((await getStore().metricsSummary({ projectIds: [project], from: T, to: T + HOUR })).current.requests).toBe(4);
    });

    it('refuses unbounded or inverted ranges', async () => {
      const projectIds = [newProjectId()];
      const now = Date.now();
      await expectInvalid(getStore().metricsSummary({ projectIds, from: now - 401 * DAY, to: now }));
      await expectInvalid(getStore().metricsSummary({ projectIds, from: now, to: now }));
      await expectInvalid(getStore().metricsSummary({ projectIds, from: -1, to: now }));
      await expect(getStore().metricsSummary({ projectIds, from: now - 400 * DAY, to: now })).resolves.toBeDefined();
    });
  });

  describe('metrics timeseries', () => {
    /** Model m<i> has i+1 calls in the second hour; m11 one more in the first; the third hour is empty. */
    const seedModels = async (project: string) => {
      const T = hour();
      const events: RequestEvent[] = [];
      for (let i = 0; i < 12; i++) {
        for (let j = 0; j <= i; j++) {
          events.push(makeEvent({
            project_id: project, model: `m${i}`, created_at: T + HOUR + i * MIN + j * 1000, latency_ms: 100 + i,
            user_id: i % 2 ? `u${i}` : '', properties: { suite: 'all' }, cost_usd: 0.001 * (i + 1), prompt_tokens: 10 * j,
            cache_read_tokens: 3 * j, ttft_ms: j % 3 === 0 ? null : 20 + j, streamed: j % 3 !== 0,
            cache_status: j % 4 === 0 ? 'hit' : 'miss', cost_saved_usd: j % 4 === 0 ? 0.002 : 0, status: j === 2 ? 502 : 200,
          }));
        }
      }
      events.push(makeEvent({ project_id: project, model: 'm11', created_at: T + 5 * MIN, latency_ms: 7, properties: { suite: 'all' } }));
      await getStore().insertRequests(events);
      return { from: T, to: T + 3 * HOUR, T };
    };

    it('folds the groups past the top 10 into "other" and fills every bucket', async () => {
      const project = newProjectId();
      const { from, to, T } = await seedModels(project);
      const ts = await getStore().metricsTimeseries({ projectIds: [project], from, to, metric: 'requests', interval: '1h', group_by: 'model' });
      expect(ts).toMatchObject({ metric: 'requests', interval_ms: HOUR, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      expect(ts.series.map((s) => s.key)).toEqual(['m11', 'm10', 'm9', 'm8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2', 'other']);
      const byKey = Object.fromEntries(ts.series.map((s) => [s.key, s]));
      const times = [T, T + HOUR, T + 2 * HOUR].map((t) => new Date(t).toISOString());
      expect(byKey.m11?.points).toEqual([{ t: times[0], v: 1 }, { t: times[1], v: 12 }, { t: times[2], v: 0 }]);
      expect(byKey.m11?.total).toBe(13);
      expect(byKey.other).toMatchObject({ total: 3, points: [{ t: times[0], v: 0 }, { t: times[1], v: 3 }, { t: times[2], v: 0 }] });
      expect(ts.series.reduce((sum, s) => sum + (s.total ?? 0), 0)).toBe(79);
    });

    it('leaves buckets without data null for percentiles, and merges "other" exactly', async () => {
      const project = newProjectId();
      const { from, to } = await seedModels(project);
      const ts = await getStore().metricsTimeseries({ projectIds: [project], from, to, metric: 'latency_p95', interval: '1h', group_by: 'model' });
      const byKey = Object.fromEntries(ts.series.map((s) => [s.key, s]));
      expect(byKey.m11?.points.map((p) => p.v)).toEqual([7, 111, null]);
      // "other" is m0 (latency 100, once) and m1 (101, twice): p95 of [100, 101, 101].
      expect(byKey.other?.points.map((p) => p.v)).toEqual([null, 101, null]);
      expect(byKey.m2?.total).toBe(102);
    });

    it('names empty groups "(none)", groups by status class and properties, and sums to the ungrouped series', async () => {
      const project = newProjectId();
      const T = hour();
      await getStore().insertRequests([
        makeEvent({ project_id: project, created_at: T + 1000, user_id: 'u1', properties: { team: '研发' } }),
        makeEvent({ project_id: project, created_at: T + 2000, user_id: '', status: 503, properties: { team: 'ops' } }),
        makeEvent({ project_id: project, created_at: T + 3000, user_id: 'u1', status: 0, error_type: 'client_aborted' }),
      ]);
      const q = { projectIds: [project], from: T, to: T + 10 * MIN, metric: 'requests' as const, interval: '5m' as const };
      const keys = async (group_by: Parameters<Store['metricsTimeseries']>[0]['group_by']) =>
        Object.fromEntries((await getStore().metricsTimeseries({ ...q, group_by })).series.map((s) => [s.key, s.total]));
      expect(await keys('user_id')).toEqual({ u1: 2, '(none)': 1 });
      expect(await keys('status_class')).toEqual({ '2xx': 1, '5xx': 1, '0xx': 1 });
      expect(await keys('property:team')).toEqual({ 研发: 1, ops: 1, '(none)': 1 });
      const all = await getStore().metricsTimeseries(q);
      expect(all.series).toEqual([{ key: 'all', total: 3, points: [{ t: new Date(T).toISOString(), v: 3 }, { t: new Date(T + 5 * MIN).toISOString(), v: 0 }] }]);
      const rate = await getStore().metricsTimeseries({ ...q, metric: 'error_rate' });
      expect(rate.series[0]?.points.map((p) => p.v)).toEqual([2 / 3, null]);
    });

    it('answers every metric the same from rollups and from the raw table', async () => {
      const project = newProjectId();
      const { T } = await seedModels(project);
      // A range that is not minute-aligned crosses raw edges; the property filter forces the raw path.
      const range = { projectIds: [project], from: T + 12_345, to: T + 2 * HOUR + 6_789, interval: '15m' as const };
      for (const metric of TIMESERIES_METRICS) {
        const rolled = await getStore().metricsTimeseries({ ...range, metric });
        const raw = await getStore().metricsTimeseries({ ...range, metric, properties: { suite: 'all' } });
        expect(rolled.series).toHaveLength(1);
        expect(rolled.series[0]?.points).toHaveLength(9);
        const values = (ts: typeof rolled) => [ts.series[0]?.total, ...(ts.series[0]?.points.map((p) => p.v) ?? [])];
        values(raw).forEach((v, i) => {
          const expected = values(rolled)[i];
          if (v === null || expected === null) expect(v, `${metric} [${i}]`).toBe(expected);
          else expect(v, `${metric} [${i}]`).toBeCloseTo(expected ?? NaN, 9);
        });
      }
      // Grouped by a column only the raw table has, the groups add up to the rolled-up buckets.
      const rolled = await getStore().metricsTimeseries({ ...range, metric: 'requests' });
      const viaUser = await getStore().metricsTimeseries({ ...range, metric: 'requests', group_by: 'user_id' });
      const bucketSums = rolled.series[0]?.points.map((_, i) => viaUser.series.reduce((sum, series) => sum + (series.points[i]?.v ?? 0), 0));
      expect(bucketSums).toEqual(rolled.series[0]?.points.map((p) => p.v));
    });

    it('picks an interval for about 30-120 points, and refuses bad parameters', async () => {
      const projectIds = [newProjectId()];
      const now = Date.now();
      const interval = async (span: number) => (await getStore().metricsTimeseries({ projectIds, from: now - span, to: now, metric: 'requests' })).interval_ms;
      expect(await interval(HOUR)).toBe(MIN);
      expect(await interval(DAY)).toBe(15 * MIN);
      expect(await interval(7 * DAY)).toBe(3 * HOUR);
      expect(await interval(90 * DAY)).toBe(DAY);
      const empty = await getStore().metricsTimeseries({ projectIds: [], from: now - HOUR, to: now, metric: 'cost', interval: '5m' });
      expect(empty.series).toHaveLength(1);
      expect(empty.series[0]?.points.every((p) => p.v === 0)).toBe(true);
      const base = { projectIds, from: now - DAY, to: now };
      await expectInvalid(getStore().metricsTimeseries({ ...base, metric: 'nope' as 'cost' }));
      await expectInvalid(getStore().metricsTimeseries({ ...base, metric: 'cost', interval: '2m' as '1m' }));
      await expectInvalid(getStore().metricsTimeseries({ ...base, metric: 'cost', group_by: 'session_id' as 'model' }));
      await expectInvalid(getStore().metricsTimeseries({ ...base, metric: 'cost', group_by: 'property:' }));
      await expectInvalid(getStore().metricsTimeseries({ projectIds, from: now - 30 * DAY, to: now, metric: 'cost', interval: '1m' }));
    });
  });

  describe('sessions', () => {
    const seedSessions = async (project: string) => {
      const T = hour();
      const call = (session_id: string, offset: number, o: Partial<RequestEvent> = {}) =>
        makeEvent({ project_id: project, session_id, created_at: T + offset, latency_ms: 1000, cost_usd: 0.01, prompt_tokens: 10, completion_tokens: 5, ...o });
      const run = [
        call('run-1', 0, { session_path: '/', session_name: 'Refactor 代码', user_id: 'u1' }),
        call('run-1', 5_000, { session_path: '/plan', session_name: 'Refactor 代码', user_id: 'u1' }),
        call('run-1', 9_000, { session_path: '/plan/step-1', session_name: 'Refactor 代码', user_id: 'u1', status: 500, error_type: 'upstream_error' }),
      ];
      await getStore().insertRequests([...run, call('run-2', 60_000, { session_path: '/' }), call('', 70_000)]);
      return { T, run };
    };

    it('lists sessions newest first with their totals and pages through them', async () => {
      const project = newProjectId();
      const { T } = await seedSessions(project);
      const q = { projectIds: [project], from: T - HOUR, to: T + HOUR };
      const all = await getStore().listSessions(q);
      expect(all.next_cursor).toBeNull();
      expect(all.data.map((s) => s.session_id)).toEqual(['run-2', 'run-1']);
      expect(all.data[1]).toEqual({
        session_id: 'run-1', project_id: project, session_name: 'Refactor 代码', user_id: 'u1', requests: 3, errors: 1,
        cost_usd: expect.closeTo(0.03, 9), total_tokens: 45, started_at: new Date(T).toISOString(),
        ended_at: new Date(T + 10_000).toISOString(), duration_ms: 10_000,
      });
      const first = await getStore().listSessions({ ...q, limit: 1 });
      expect(first.data.map((s) => s.session_id)).toEqual(['run-2']);
      const second = await getStore().listSessions({ ...q, limit: 1, cursor: first.next_cursor ?? '' });
      expect(second.data.map((s) => s.session_id)).toEqual(['run-1']);
      expect(second.next_cursor).toBeNull();
      expect((await getStore().listSessions({ ...q, user_id: 'u1' })).data.map((s) => s.session_id)).toEqual(['run-1']);
      expect((await getStore().listSessions({ ...q, from: T + 2 * HOUR, to: T + 3 * HOUR })).data).toEqual([]);
      await expectInvalid(getStore().listSessions({ ...q, cursor: 'garbage' }), 'invalid_cursor');
    });

    it('returns one session oldest first with its paths, and nothing for another project', async () => {
      const project = newProjectId();
      const { T, run } = await seedSessions(project);
      const q = { projectIds: [project], session_id: 'run-1', from: T - HOUR, to: T + HOUR };
      const session = await getStore().getSession(q);
      expect(session?.session_name).toBe('Refactor 代码');
      expect(session?.truncated).toBe(false);
      expect(session?.requests.map((r) => [r.request_id, r.session_path])).toEqual(run.map((e) => [e.request_id, e.session_path]));
      expect(await getStore().getSession({ ...q, projectIds: [newProjectId()] })).toBeNull();
      expect(await getStore().getSession({ ...q, session_id: 'missing' })).toBeNull();
    });
  });

  describe('users, properties and filter values', () => {
    it('lists users by cost with their last call', async () => {
      const project = newProjectId();
      const T = hour();
      await getStore().insertRequests([
        makeEvent({ project_id: project, user_id: 'u1', created_at: T, cost_usd: 0.01 }),
        makeEvent({ project_id: project, user_id: 'u1', created_at: T + 5000, cost_usd: 0.02, status: 429, error_type: 'rate_limit' }),
        makeEvent({ project_id: project, user_id: '张伟', created_at: T + 1000, cost_usd: 0.05 }),
        makeEvent({ project_id: project, user_id: '', created_at: T + 2000, cost_usd: 1 }),
      ]);
      const users = await getStore().listUsers({ projectIds: [project], from: T, to: T + HOUR });
      expect(users).toEqual([
        { user_id: '张伟', requests: 1, errors: 0, cost_usd: 0.05, total_tokens: 46, last_seen: new Date(T + 1000).toISOString() },
        { user_id: 'u1', requests: 2, errors: 1, cost_usd: expect.closeTo(0.03, 9), total_tokens: 92, last_seen: new Date(T + 5000).toISOString() },
      ]);
      expect(await getStore().listUsers({ projectIds: [project], from: T, to: T + HOUR, limit: 1 })).toHaveLength(1);
    });

    it('lists property keys with their most frequent values, and the values of a column', async () => {
      const project = newProjectId();
      const T = hour();
      const e = (o: Partial<RequestEvent>) => makeEvent({ project_id: project, created_at: T + 1000, ...o });
      await getStore().insertRequests([
        e({ properties: { team: 'a' }, model: 'gpt-4o', user_id: 'u2' }),
        e({ properties: { team: 'a', env: 'prod' }, model: 'gpt-4o', user_id: 'u1' }),
        e({ properties: { team: 'a' }, model: 'claude', user_id: 'u1' }),
        e({ properties: { team: 'b' }, provider: 'anthropic', key_id: 'key_2' }),
      ]);
      const range = { projectIds: [project], from: T, to: T + HOUR };
      expect(await getStore().listProperties(range)).toEqual([{ key: 'team', values: ['a', 'b'] }, { key: 'env', values: ['prod'] }]);
      expect(await getStore().filterValues({ ...range, field: 'model' })).toEqual(['gpt-4o', 'claude', 'gpt-4o-mini']);
      expect(await getStore().filterValues({ ...range, field: 'provider' })).toEqual(['openai', 'anthropic']);
      expect(await getStore().filterValues({ ...range, field: 'key_id' })).toEqual(['key_1', 'key_2']);
      expect(await getStore().filterValues({ ...range, field: 'user_id' })).toEqual(['u1', 'u2']);
      expect(await getStore().filterValues({ ...range, field: 'model', user_id: 'u1' })).toEqual(['claude', 'gpt-4o']);
      await expectInvalid(getStore().filterValues({ ...range, field: 'request_body' as 'model' }));
      expect(await getStore().listProperties({ ...range, projectIds: [] })).toEqual([]);
    });
  });

  describe('request log: search, sort and latency', () => {
    const seedLog = async (project: string) => {
      const T = hour();
      const e = (name: string, offset: number, o: Partial<RequestEvent>) =>
        makeEvent({ request_id: `${project}_${name}`, project_id: project, created_at: T + offset, ...o });
      const events = [
        e('a', 1000, { latency_ms: 300, ttft_ms: 40, cost_usd: 0.3, prompt_tokens: 1, completion_tokens: 1, status: 200, request_body: '{"messages":[{"content":"Find the ZEBRA"}]}' }),
        e('b', 2000, { latency_ms: 100, ttft_ms: null, cost_usd: 0.1, prompt_tokens: 50, completion_tokens: 50, status: 500, key_id: 'key_b', response_body: 'say \\"hi\\" please' }),
        // Python's json.dumps escapes non-ASCII: the body holds \u4f60\u597d for 你好.
        e('c', 3000, { latency_ms: 200, ttft_ms: 10, cost_usd: 0.2, prompt_tokens: 5, completion_tokens: 5, status: 429, request_body: '{"content":"\\u4f60\\u597d world"}' }),
        e('d', 4000, { latency_ms: 200, ttft_ms: 90, cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, status: 200, response_body: '你好 plain' }),
      ];
      await getStore().insertRequests(events);
      return { T, ids: (...names: string[]) => names.map((n) => `${project}_${n}`) };
    };
    const list = async (q: Parameters<Store['listRequests']>[0]) => (await getStore().listRequests(q)).data.map((r) => r.request_id);

    it('searches both bodies case-insensitively, also in their JSON-escaped form', async () => {
      const project = newProjectId();
      const { ids } = await seedLog(project);
      const q = { projectIds: [project] };
      expect(await list({ ...q, q: 'zebra' })).toEqual(ids('a'));
      expect(await list({ ...q, q: 'say "hi"' })).toEqual(ids('b'));
      expect(await list({ ...q, q: '你好' })).toEqual(ids('d', 'c'));
      expect(await list({ ...q, q: 'nothing like this' })).toEqual([]);
      expect(await list({ ...q, q: '%' })).toEqual([]);
      await expectInvalid(getStore().listRequests({ ...q, q: 'x'.repeat(1001) }));
    });

    it('sorts by any column with offset cursors, and pages oldest first by time', async () => {
      const project = newProjectId();
      const { ids } = await seedLog(project);
      const q = { projectIds: [project] };
      expect(await list({ ...q, sort: 'latency_ms' })).toEqual(ids('a', 'd', 'c', 'b'));
      expect(await list({ ...q, sort: 'latency_ms', order: 'asc' })).toEqual(ids('b', 'd', 'c', 'a'));
      expect(await list({ ...q, sort: 'ttft_ms', order: 'asc' })).toEqual(ids('c', 'a', 'd', 'b'));
      expect(await list({ ...q, sort: 'ttft_ms' })).toEqual(ids('d', 'a', 'c', 'b'));
      expect(await list({ ...q, sort: 'total_tokens' })).toEqual(ids('b', 'c', 'a', 'd'));
      expect(await list({ ...q, sort: 'cost_usd', order: 'asc' })).toEqual(ids('d', 'b', 'c', 'a'));
      expect(await list({ ...q, sort: 'status' })).toEqual(ids('b', 'c', 'd', 'a'));

      const first = await getStore().listRequests({ ...q, sort: 'cost_usd', limit: 3 });
      const rest = await getStore().listRequests({ ...q, sort: 'cost_usd', limit: 3, cursor: first.next_cursor ?? '' });
      expect([...first.data, ...rest.data].map((r) => r.request_id)).toEqual(ids('a', 'c', 'b', 'd'));
      expect(rest.next_cursor).toBeNull();
      await expectInvalid(getStore().listRequests({ ...q, sort: 'cost_usd', order: 'asc', cursor: first.next_cursor ?? '' }), 'invalid_cursor');
      await expectInvalid(getStore().listRequests({ ...q, cursor: first.next_cursor ?? '' }), 'invalid_cursor');

      const oldest = await getStore().listRequests({ ...q, order: 'asc', limit: 2 });
      const newer = await getStore().listRequests({ ...q, order: 'asc', limit: 2, cursor: oldest.next_cursor ?? '' });
      expect([...oldest.data, ...newer.data].map((r) => r.request_id)).toEqual(ids('a', 'b', 'c', 'd'));
      await expectInvalid(getStore().listRequests({ ...q, sort: 'request_body' as 'status' }));
      await expectInvalid(getStore().listRequests({ ...q, order: 'sideways' as 'asc' }));
    });

    it('filters by latency bounds and gateway key', async () => {
      const project = newProjectId();
      const { ids } = await seedLog(project);
      const q = { projectIds: [project] };
      expect(await list({ ...q, min_latency_ms: 200 })).toEqual(ids('d', 'c', 'a'));
      expect(await list({ ...q, max_latency_ms: 200 })).toEqual(ids('d', 'c', 'b'));
      expect(await list({ ...q, min_latency_ms: 150, max_latency_ms: 250 })).toEqual(ids('d', 'c'));
      expect(await list({ ...q, key_id: 'key_b' })).toEqual(ids('b'));
      await expectInvalid(getStore().listRequests({ ...q, min_latency_ms: -1 }));
    });
  });
}
