// The request log's row types, apart from store.ts so the query modules and the Store interface
// can both use them without importing each other.
export type { RequestRow, RequestDetail } from '@periscope/contract/api';
