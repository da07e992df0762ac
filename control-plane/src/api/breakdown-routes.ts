import type { FastifyInstance } from 'fastify';
import { FILTER_FIELDS } from '@periscope/clickhouse';
import { ApiError } from '../errors.ts';
import { int, oneOf, type Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';
import { parseRangeQuery } from './request-filters.ts';

/** Per-user totals, and the values the UI offers in its filter and group-by pickers. */
export async function breakdownRoutes(app: FastifyInstance, { store, projectsFor }: ReadRoutesOptions): Promise<void> {
  app.get('/api/users', async (request) => {
    const q = request.query as Query;
    return { data: await store.listUsers({ ...parseRangeQuery(q, await projectsFor(request)), limit: int(q, 'limit', 1, 1000) }) };
  });

  app.get('/api/properties', async (request) => {
    const q = request.query as Query;
    return { data: await store.listProperties(parseRangeQuery(q, await projectsFor(request))) };
  });

  app.get('/api/filters/values', async (request) => {
    const q = request.query as Query;
    const field = oneOf(q, 'field', FILTER_FIELDS);
    if (!field) throw new ApiError('invalid_query', `field is required: one of ${FILTER_FIELDS.join(', ')}`);
    return { data: await store.filterValues({ ...parseRangeQuery(q, await projectsFor(request)), field }) };
  });
}
