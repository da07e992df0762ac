// The request log's row types, apart from store.ts so the query modules and the Store interface
// can both use them without importing each other.
import type { RequestEvent } from '@periscope/contract';

/**
 * A row of `GET /api/requests`: every field of the event except the bodies and the contract
 * version, with created_at as ISO-8601 UTC with milliseconds (e.g. "2026-11-25T13:50:53.123Z").
 */
export type RequestRow = Omit<RequestEvent, 'event_version' | 'created_at' | 'request_body' | 'response_body'> & { created_at: string };

/** `GET /api/requests/:id`: the row plus the stored bodies. */
export interface RequestDetail extends RequestRow {
  request_body: string;
  response_body: string;
}
