import type {
  FilterValuesQuery, MetricsSummary, PropertySummary, RangeQuery, RequestFilter, SessionDetail, SessionPage, SessionQuery,
  SessionsQuery, Timeseries, TimeseriesQuery, UsersQuery, UserSummary,
} from './analytics.ts';
import type {
  AlertEventRecord, AlertEventsQuery, AlertObservation, AlertQuery, AlertRuleRecord, AlertStateRecord, LeaseView,
} from './alerts.ts';
import type { RequestEvent } from '@periscope/contract';
import type { RequestDetail, RequestRow } from './request-rows.ts';
import type { AgentSessionDetailQuery, AgentSessionRow, AgentSessionsQuery, AgentTurnExtras, ModelsSeenRow } from './agents.ts';
import type { ExportFormat, ReportRecord, ReportRunRecord, SqlLimits, SqlRequest, SqlResult } from './reports.ts';
import type { SqlExport } from './sql/sandbox.ts';
export type { GatewayKeyRecord, AccountRole, AccountRecord } from '@periscope/contract/api';
export { ACCOUNT_ROLES } from '@periscope/contract/api';
import type { GatewayKeyRecord, AccountRecord } from '@periscope/contract/api';

export const REQUEST_SORTS = ['created_at', 'latency_ms', 'ttft_ms', 'cost_usd', 'total_tokens', 'status'] as const;
export type RequestSort = (typeof REQUEST_SORTS)[number];

export interface ListRequestsQuery extends RequestFilter {
  /** Inclusive lower bound, epoch ms. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
  /** Case-insensitive substring of the request or response body. */
  q?: string;
  /** Inclusive latency bounds, ms. */
  min_latency_ms?: number;
  max_latency_ms?: number;
  /** Default created_at. */
  sort?: RequestSort;
  /** Default desc. */
  order?: 'asc' | 'desc';
  /** 1..1000, default 50. */
  limit?: number;
  /** Opaque cursor from a previous page's `next_cursor` (of the same sort and order). */
  cursor?: string;
}

export interface RequestPage {
  data: RequestRow[];
  next_cursor: string | null;
}

export interface InsertOptions {
  /** Makes a retried insert of the same batch a no-op (ClickHouse insert_deduplication_token). */
  dedupToken?: string;
}

/** Everything the rest of Periscope may ask of ClickHouse. Same SQL on both drivers. */
/** What identifies a stored event: the sorting key's project and time, and its request id. */
export type EventIdentity = Pick<RequestEvent, 'project_id' | 'created_at' | 'request_id'>;

export interface Store {
  readonly kind: 'chdb' | 'server';
  /** Applies pending numbered migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  /** Sets the TTL after which request/response bodies are cleared (0 = keep forever). */
  setBodyTtlDays(days: number): Promise<void>;
  /** The body TTL currently in effect, in days (0 = kept forever). */
  getBodyTtlDays(): Promise<number>;
  insertRequests(events: RequestEvent[], opts?: InsertOptions): Promise<void>;
  /** Inserts encoded events (each checked by decodeEventRow) as they are: no decode, no re-encode. */
  insertRequestRows(rows: readonly Buffer[], opts?: InsertOptions): Promise<void>;
  /** The eventKey()s of these events that are stored already (a redelivery): same project, time and request id. */
  storedEvents(events: readonly EventIdentity[]): Promise<Set<string>>;
  /** Records request ids of events that reached the Kafka ingest marked as resent (kept a day). */
  recordResent(requestIds: readonly string[]): Promise<void>;
  /** The request ids recorded as resent in the last day, the most recent first, at most `limit`. */
  recentlyResent(limit: number): Promise<string[]>;
  listRequests(q: ListRequestsQuery): Promise<RequestPage>;
  getRequest(projectIds: string[], requestId: string): Promise<RequestDetail | null>;
  /** KPIs of the range and of the window of the same length just before it. */
  metricsSummary(q: RangeQuery): Promise<MetricsSummary>;
  metricsTimeseries(q: TimeseriesQuery): Promise<Timeseries>;
  /** Sessions with activity in the range, newest start first. */
  listSessions(q: SessionsQuery): Promise<SessionPage>;
  /** One session's requests in the range, oldest first; null when it has none. */
  getSession(q: SessionQuery): Promise<SessionDetail | null>;
  /** Coding-agent sessions in the range with per-model totals, newest or most expensive first. */
  listAgentSessions(q: AgentSessionsQuery): Promise<AgentSessionRow[]>;
  /** Tool calls per call of one session (read from its stored response bodies). */
  agentTurnExtras(q: AgentSessionDetailQuery): Promise<AgentTurnExtras[]>;
  /** Provider and model pairs called in the range (for finding models without a price). */
  modelsSeen(q: { projectIds: string[]; from: number; to: number }): Promise<ModelsSeenRow[]>;
  /** Users with calls in the range, highest cost first. */
  listUsers(q: UsersQuery): Promise<UserSummary[]>;
  /** Property keys seen in the range, most used first, each with its most frequent values. */
  listProperties(q: RangeQuery): Promise<PropertySummary[]>;
  /** Values of one column seen in the range, most used first. */
  filterValues(q: FilterValuesQuery): Promise<string[]>;
  insertKey(key: GatewayKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<GatewayKeyRecord | null>;
  listKeys(projectIds?: string[]): Promise<GatewayKeyRecord[]>;
  /** False when the key does not exist; revoking twice keeps the first revocation time. */
  revokeKey(keyId: string, at: number): Promise<boolean>;
  /**
   * When each key of these projects (every project when omitted) last made a call, to the
   * minute, from the per-minute rollup: derived from logged rows, so the request path writes nothing.
   */
  keysLastUsed(projectIds?: string[]): Promise<Record<string, number>>;
  insertAccount(account: AccountRecord): Promise<void>;
  /** Writes a new version of an existing account; false when it does not exist (or was deleted). */
  updateAccount(account: AccountRecord): Promise<boolean>;
  /** False when the account does not exist; its email may then be used by a new account. */
  deleteAccount(accountId: string, at: number): Promise<boolean>;
  getAccount(accountId: string): Promise<AccountRecord | null>;
  /** By email, case-insensitively. */
  findAccountByEmail(email: string): Promise<AccountRecord | null>;
  /** Every account that is not deleted, by email. */
  listAccounts(): Promise<AccountRecord[]>;
  /** Writes a rule version (a change or a deletion is the next version; every version is kept). */
  saveAlertRule(rule: AlertRuleRecord): Promise<void>;
  /** The current version; null when absent or deleted. */
  getAlertRule(ruleId: string): Promise<AlertRuleRecord | null>;
  /** Rules not deleted, of these projects ('' names rules on every project), or all; by name. */
  listAlertRules(projectIds?: string[]): Promise<AlertRuleRecord[]>;
  /** Every version of a rule, newest first. */
  listAlertRuleVersions(ruleId: string): Promise<AlertRuleRecord[]>;
  saveAlertStates(states: AlertStateRecord[]): Promise<void>;
  /** The newest state per rule and group, of these rules or all. */
  listAlertStates(ruleIds?: string[]): Promise<AlertStateRecord[]>;
  /** Appends history; the same event_id written again replaces the earlier row. */
  insertAlertEvents(events: AlertEventRecord[]): Promise<void>;
  listAlertEvents(q: AlertEventsQuery): Promise<AlertEventRecord[]>;
  /** One bounded query: a rule's value over its window, per group. */
  evaluateAlert(q: AlertQuery): Promise<AlertObservation[]>;
  /** Adds a claim (or a renewal) to a term of a named lease, stamped by the server's clock. */
  claimLease(name: string, term: number, holder: string, ttlMs: number): Promise<void>;
  readLease(name: string): Promise<LeaseView>;
  /** Runs a user's SQL over the report views, scoped to `req.projectIds` (the sandbox: src/sql/). */
  runSql(req: SqlRequest, limits: SqlLimits): Promise<SqlResult>;
  /** Starts a streamed export of a user's SQL; resolves once the first chunk is ready. */
  exportSql(req: SqlRequest, format: ExportFormat, limits: SqlLimits): Promise<SqlExport>;
  /** Writes a report version (a deletion is a version with `deleted`). */
  saveReport(report: ReportRecord): Promise<void>;
  /** The current version; null when absent or deleted. */
  getReport(reportId: string): Promise<ReportRecord | null>;
  /** Reports of these projects (every project when omitted), by name. */
  listReports(projectIds?: string[]): Promise<ReportRecord[]>;
  /** Records a scheduled run; a second record for the same report and minute replaces the first. */
  recordReportRun(run: ReportRunRecord): Promise<void>;
  listReportRuns(reportId: string, limit: number): Promise<ReportRunRecord[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `reportsUrl`: a ClickHouse user for users' SQL (readonly, with the row policy of
 * clickhouse/sql/report-reader.sql); without it report queries use `url`'s connection.
 */
export type StoreLocation = { dataDir: string } | { url: string; reportsUrl?: string };
