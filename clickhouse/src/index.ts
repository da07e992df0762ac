export * from './contract/index.ts';
export * from './analytics.ts';
export * from './alerts.ts';
export { REQUEST_SORTS } from './store.ts';
export type {
  GatewayKeyRecord,
  InsertOptions,
  ListRequestsQuery,
  RequestDetail,
  RequestPage,
  RequestRow,
  RequestSort,
  Store,
  StoreLocation,
} from './store.ts';
export { openStore } from './open-store.ts';
export { StoreError, StoreLockedError, type StoreErrorCode } from './errors.ts';
