export * from './contract/index.ts';
export * from './analytics.ts';
export * from './alerts.ts';
export { ACCOUNT_ROLES, REQUEST_SORTS } from './store.ts';
export type {
  AccountRecord,
  AccountRole,
  GatewayKeyRecord,
  KeyLimits,
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
