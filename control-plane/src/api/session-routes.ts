import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { int, one, type Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';
import { parseRangeQuery, parseTimeRange } from './request-filters.ts';

/** Agent runs (Periscope-Session-Id): the list, and one session's calls for its tree and timeline. */
export async function sessionRoutes(app: FastifyInstance, { store, projectsFor }: ReadRoutesOptions): Promise<void> {
  app.get('/api/sessions', async (request) => {
    const q = request.query as Query;
    return store.listSessions({ ...parseRangeQuery(q, await projectsFor(request)), limit: int(q, 'limit', 1, 1000), cursor: one(q, 'cursor') });
  });

  app.get('/api/sessions/:id', async (request) => {
    const { id } = request.params as { id: string };
    const q = request.query as Query;
    const session = await store.getSession({ projectIds: await projectsFor(request), session_id: id, ...parseTimeRange(q) });
    if (!session) throw new ApiError('not_found', `No calls of session ${id} in this time range`);
    return session;
  });
}
