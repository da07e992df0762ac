import type { Store } from '@periscope/clickhouse';
import type { Query } from './query-params.ts';

/** What every read route group needs: the store, and the projects the caller may see for this query. */
export interface ReadRoutesOptions {
  store: Store;
  projectsFor(q: Query): Promise<string[]>;
}
