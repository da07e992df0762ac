import type { FastifyRequest } from 'fastify';
import type { Store } from '@periscope/clickhouse';

/** What every read route group needs: the store, and the projects the caller may see. */
export interface ReadRoutesOptions {
  store: Store;
  /**
   * The projects this request may read: `?project=` narrowed to one (403 when it is not the
   * caller's), else all of the caller's. Every query a route makes must be bounded by it, and
   * an object fetched by id outside it must answer 404, as if it did not exist.
   */
  projectsFor(request: FastifyRequest): Promise<string[]>;
}
