export * from './analytics.ts';
export * from './alerts.ts';
export * from './agents.ts';
export { ACCOUNT_ROLES, REQUEST_SORTS } from './store.ts';
export type { RequestDetail, RequestRow } from './request-rows.ts';
export type {
  AccountRecord,
  AccountRole,
  EventIdentity,
  GatewayKeyRecord,
  InsertOptions,
  ListRequestsQuery,
  RequestPage,
  RequestSort,
  Store,
  StoreLocation,
} from './store.ts';
export * from './reports.ts';
export { SQL_VIEWS, type SqlView, type SqlViewColumn } from './sql/views.ts';
export { REPORT_TEMPLATES, type ReportTemplate } from './sql/templates.ts';
export { declaredParams } from './sql/sandbox.ts';
export type { SqlExport } from './sql/sandbox.ts';
export type { SqlParam } from './sql/check-tokens.ts';
export { openStore } from './open-store.ts';
export { eventKey } from './queries/stored-events.ts';
export { StoreError, StoreLockedError, type StoreErrorCode } from './errors.ts';
