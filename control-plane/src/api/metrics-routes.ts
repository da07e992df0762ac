import type { FastifyInstance } from 'fastify';
import { INTERVALS, TIMESERIES_METRICS, type GroupBy, type IntervalName } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';
import { one, oneOf, type Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';
import { parseRangeQuery } from './request-filters.ts';

const INTERVAL_NAMES = ['auto', ...Object.keys(INTERVALS)] as ReadonlyArray<IntervalName | 'auto'>;

/** The overview: KPIs against the previous period, and one metric over time per group. */
export async function metricsRoutes(app: FastifyInstance, { store, projectsFor }: ReadRoutesOptions): Promise<void> {
  app.get('/api/metrics/summary', async (request) => {
    const q = request.query as Query;
    return store.metricsSummary(parseRangeQuery(q, await projectsFor(request)));
  });

  app.get('/api/metrics/timeseries', async (request) => {
    const q = request.query as Query;
    const metric = oneOf(q, 'metric', TIMESERIES_METRICS);
    if (!metric) throw new ApiError('invalid_query', `metric is required: one of ${TIMESERIES_METRICS.join(', ')}`);
    return store.metricsTimeseries({
      ...parseRangeQuery(q, await projectsFor(request)),
      metric,
      interval: oneOf(q, 'interval', INTERVAL_NAMES),
      // The store checks the grouping (a column or property:<name>).
      group_by: one(q, 'group_by') as GroupBy | undefined,
    });
  });
}
