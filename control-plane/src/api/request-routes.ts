import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import type { Query } from './query-params.ts';
import type { ReadRoutesOptions } from './read-routes-options.ts';
import { parseListRequestsQuery } from './request-filters.ts';

/** The request log: pages of rows (no bodies) and one request with its bodies. */
export async function requestRoutes(app: FastifyInstance, { store, projectsFor }: ReadRoutesOptions): Promise<void> {
  app.get('/api/requests', async (request) => {
    const q = request.query as Query;
    return store.listRequests(parseListRequestsQuery(q, await projectsFor(request)));
  });

  // Not bounded by time: one id, found through the request_id bloom filter.
  app.get('/api/requests/:id', async (request) => {
    const { id } = request.params as { id: string };
    const row = await store.getRequest(await projectsFor(request), id);
    if (!row) throw new ApiError('not_found', `No request ${id}`);
    return row;
  });
}
