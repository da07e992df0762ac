import type { CacheStatus, RequestEvent } from './contract/index.ts';

/**
 * A row of `GET /api/requests`: every field of the event except the bodies and the contract
 * version, with created_at as ISO-8601 UTC with milliseconds (e.g. "2026-11-25T13:50:53.123Z").
 */
export type RequestRow = Omit<RequestEvent, 'v' | 'created_at' | 'request_body' | 'response_body'> & { created_at: string };

/** `GET /api/requests/:id`: the row plus the stored bodies. */
export interface RequestDetail extends RequestRow {
  request_body: string;
  response_body: string;
}

export interface ListRequestsQuery {
  /** Projects the caller may see; an empty list sees nothing. */
  projectIds: string[];
  /** Inclusive lower bound, epoch ms. */
  from?: number;
  /** Exclusive upper bound, epoch ms. */
  to?: number;
  model?: string;
  provider?: string;
  /** Exact HTTP status. */
  status?: number;
  /** Status class, e.g. 2 for 2xx, 4 for 4xx, 5 for 5xx (0 = no response sent). */
  statusClass?: number;
  user_id?: string;
  session_id?: string;
  cache_status?: CacheStatus;
  /** Property key=value pairs; all must match. */
  properties?: Record<string, string>;
  /** 1..1000, default 50. */
  limit?: number;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
}

export interface RequestPage {
  data: RequestRow[];
  next_cursor: string | null;
}

export interface GatewayKeyRecord {
  key_id: string;
  project_id: string;
  name: string;
  /** Non-secret display prefix, e.g. "psk_live_AbC1". */
  prefix: string;
  /** HMAC-SHA256 of the full key with the server secret, hex. */
  key_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface InsertOptions {
  /** Makes a retried insert of the same batch a no-op (ClickHouse insert_deduplication_token). */
  dedupToken?: string;
}

/** Everything the rest of Periscope may ask of ClickHouse. Same SQL on both drivers. */
export interface Store {
  readonly kind: 'chdb' | 'server';
  /** Applies pending numbered migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;
  /** Sets the TTL after which request/response bodies are cleared (0 = keep forever). */
  setBodyTtlDays(days: number): Promise<void>;
  /** The body TTL currently in effect, in days (0 = kept forever). */
  getBodyTtlDays(): Promise<number>;
  insertRequests(events: RequestEvent[], opts?: InsertOptions): Promise<void>;
  /** How many of these events are stored already (a redelivery), by project, time and request_id. */
  countStored(events: RequestEvent[]): Promise<number>;
  listRequests(q: ListRequestsQuery): Promise<RequestPage>;
  getRequest(projectIds: string[], requestId: string): Promise<RequestDetail | null>;
  insertKey(key: GatewayKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<GatewayKeyRecord | null>;
  listKeys(projectIds?: string[]): Promise<GatewayKeyRecord[]>;
  /** False when the key does not exist; revoking twice keeps the first revocation time. */
  revokeKey(keyId: string, at: number): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreLocation = { dataDir: string } | { url: string };
