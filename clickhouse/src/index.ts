export * from './contract/index.ts';
export type {
  GatewayKeyRecord,
  InsertOptions,
  ListRequestsQuery,
  RequestDetail,
  RequestPage,
  RequestRow,
  Store,
  StoreLocation,
} from './store.ts';
export { openStore } from './open-store.ts';
export { STORE_ERRORS, StoreError, StoreLockedError, type StoreErrorCode } from './errors.ts';
export { DEFAULT_LIMIT, MAX_LIMIT } from './queries/list-requests.ts';
