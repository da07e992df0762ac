import { performance } from 'node:perf_hooks';
import { REPORT_TEMPLATES, type SqlLimits, type Store } from '@periscope/clickhouse';

export interface QueryTiming {
  label: string;
  /** Median of the timed runs, after one warm-up run. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Rows (log pages, lists) or series points (charts) in the answer. */
  rowsReturned: number;
}

export interface QueryCase {
  label: string;
  /** Runs the query once; resolves to the size of the answer. */
  run(): Promise<number>;
}

/** One warm-up run, then `runs` timed runs, one after the other; the median is the figure reported. */
export async function timeQueries(cases: QueryCase[], runs: number): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
  for (const c of cases) {
    await c.run();
    const samples: number[] = [];
    let rowsReturned = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      rowsReturned = await c.run();
      samples.push(performance.now() - t0);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    timings.push({
      label: c.label, medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN, minMs: sorted[0] ?? NaN, maxMs: sorted.at(-1) ?? NaN, rowsReturned,
    });
  }
  return timings;
}

const DAY_MS = 86_400_000;

/**
 * What the UI's overview asks on load and on a group-by change, plus its other pages: the
 * summary against the previous period, the charts (rollup-served groupings and the raw-table
 * ones: user, property), sessions, users and the pickers. Targets: each under 300 ms.
 */
export function overviewCases(store: Store, projectIds: string[], now: number): QueryCase[] {
  const day = { projectIds, from: now - DAY_MS, to: now };
  const week = { projectIds, from: now - 7 * DAY_MS, to: now };
  const points = (ts: { series: { points: unknown[] }[] }) => ts.series.reduce((n, s) => n + s.points.length, 0);
  const chart = (label: string, q: Parameters<Store['metricsTimeseries']>[0]): QueryCase => ({
    label: `Chart: ${label}`, run: async () => points(await store.metricsTimeseries(q)),
  });
  return [
    { label: 'KPI summary, last 24 h and the 24 h before', run: async () => (await store.metricsSummary(day)).current.requests },
    { label: 'KPI summary, last 7 days and the 7 before', run: async () => (await store.metricsSummary(week)).current.requests },
    { label: 'KPI summary, last 7 days, one user (raw table)', run: async () => (await store.metricsSummary({ ...week, user_id: 'user_42' })).current.requests },
    chart('requests by model, last 24 h (15 min buckets)', { ...day, metric: 'requests', group_by: 'model' }),
    chart('cost by model, last 7 days (3 h buckets)', { ...week, metric: 'cost', group_by: 'model' }),
    chart('tokens, last 7 days', { ...week, metric: 'tokens' }),
    chart('error rate by status class, last 7 days', { ...week, metric: 'error_rate', group_by: 'status_class' }),
    chart('latency p95 by model, last 7 days', { ...week, metric: 'latency_p95', group_by: 'model' }),
    chart('TTFT p95 by provider, last 7 days', { ...week, metric: 'ttft_p95', group_by: 'provider' }),
    chart('cache hit rate, last 7 days', { ...week, metric: 'cache_hit_rate' }),
    chart('latency p95 by user (top 10 + other, raw table), last 7 days', { ...week, metric: 'latency_p95', group_by: 'user_id' }),
    chart('requests by property team (raw table), last 7 days', { ...week, metric: 'requests', group_by: 'property:team' }),
    { label: 'Sessions page, last 24 h', run: async () => (await store.listSessions(day)).data.length },
    { label: 'Users page, last 7 days', run: async () => (await store.listUsers(week)).length },
    { label: 'Property picker, last 7 days', run: async () => (await store.listProperties(week)).length },
    { label: 'Model picker, last 7 days', run: async () => (await store.filterValues({ ...week, field: 'model' })).length },
  ];
}

/**
 * One evaluation of an alert rule each (the evaluator runs one such query per rule per
 * interval): sliding windows ending now, so every one reads raw edges and rollups, and the
 * raw-table cases (p99, user, property) at their widest sensible window.
 */
export function alertCases(store: Store, projectIds: string[], now: number): QueryCase[] {
  const rule = (label: string, windowMs: number, q: Omit<Parameters<Store['evaluateAlert']>[0], 'from' | 'to' | 'filter' | 'maxGroups' | 'order'>): QueryCase => ({
    label: `Alert rule: ${label}`,
    run: async () => (await store.evaluateAlert({ from: now - windowMs, to: now, filter: { projectIds }, maxGroups: 100, order: 'desc', ...q })).length,
  });
  const HOUR = 3_600_000;
  return [
    rule('cost over 5 min', 300_000, { aggregate: 'cost_sum', minRequests: 0 }),
    rule('cost per model over 1 h', HOUR, { aggregate: 'cost_sum', group_by: ['model'], minRequests: 1 }),
    rule('error rate per provider over 24 h, min 20 calls', DAY_MS, { aggregate: 'error_rate', group_by: ['provider'], minRequests: 20 }),
    rule('latency p95 per model over 24 h', DAY_MS, { aggregate: 'latency_p95', group_by: ['model'], minRequests: 1 }),
    rule('latency p99 over 24 h (raw table)', DAY_MS, { aggregate: 'latency_p99', minRequests: 1 }),
    rule('TTFT p95 over 7 days', 7 * DAY_MS, { aggregate: 'ttft_p95', minRequests: 1 }),
    rule('cost per user over 7 days (raw table, top 100)', 7 * DAY_MS, { aggregate: 'cost_sum', group_by: ['user_id'], minRequests: 1 }),
    rule('prompt-cache hit rate per property team over 24 h (raw table)', DAY_MS, { aggregate: 'prompt_cache_hit_rate', group_by: ['property:team'], minRequests: 1 }),
  ];
}

/** The SQL console's default limits (config reports:); exports get the export cap. */
const SQL_LIMITS: SqlLimits = { maxExecutionSeconds: 30, maxMemoryBytes: 1024 ** 3, maxRowsToRead: 1e9, maxResultRows: 10_000 };

/**
 * Users' SQL through the whole sandbox (lexer, token checks, EXPLAIN AST, binding, EXPLAIN
 * QUERY TREE, DESCRIBE, the query): its fixed cost on a trivial query, every built-in template
 * over the last 7 days, and an export of a day of rows. Target: templates under 1 s.
 */
export function sqlCases(store: Store, projectIds: string[], now: number): QueryCase[] {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const week = { from: iso(now - 7 * DAY_MS), to: iso(now) };
  const sql = (label: string, text: string, params: Record<string, string> = {}): QueryCase => ({
    label: `SQL: ${label}`, run: async () => (await store.runSql({ sql: text, params, projectIds }, SQL_LIMITS)).rows,
  });
  return [
    sql('SELECT 1 (the sandbox\'s own cost)', 'SELECT 1'),
    ...REPORT_TEMPLATES.map((t) => sql(`template "${t.name}", last 7 days`, t.sql, week)),
    {
      label: 'SQL export: last 24 h of requests, every column, CSV',
      run: async () => {
        const exp = await store.exportSql({ sql: 'SELECT * FROM requests WHERE created_at >= {from:DateTime}', params: { from: iso(now - DAY_MS) }, projectIds }, 'csv', { ...SQL_LIMITS, maxResultRows: 1_000_000 });
        let lines = 0;
        for await (const chunk of exp) for (const b of chunk) if (b === 0x0a) lines += 1;
        return lines - 1;
      },
    },
  ];
}
