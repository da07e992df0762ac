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
export { StoreError, StoreLockedError, type StoreErrorCode } from './errors.ts';
