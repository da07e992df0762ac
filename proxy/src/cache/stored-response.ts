import type { OutgoingHttpHeaders } from 'node:http';
import type { ProviderType } from '@periscope/contract';

/**
 * Response headers a replay carries. An allowlist, so a provider header that carries a
 * credential, a cookie or per-call rate-limit state is never stored or replayed.
 */
const REPLAYED_HEADERS = new Set(['content-type', 'x-request-id', 'request-id', 'openai-version', 'anthropic-version']);

/** The body as the provider sent it: one JSON document, or the SSE frames of a stream. */
export type StoredBody =
  | { kind: 'json'; text: string }
  /** Each frame exactly as received, blank-line terminator included; the last may be `data: [DONE]`. */
  | { kind: 'sse'; frames: string[] };

export interface StoredResponse {
  v: 1;
  /** The call whose response this is; hits record it as cache_source_request_id. */
  requestId: string;
  storedAt: number;
  /** The provider that served it, so a hit is logged (and priced) like the original call. */
  provider: string;
  providerType: ProviderType;
  status: number;
  headers: Record<string, string>;
  body: StoredBody;
}

export function replayableHeaders(headers: OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

export function encodeStoredResponse(response: StoredResponse): Buffer {
  return Buffer.from(JSON.stringify(response));
}

/** undefined for bytes this version did not write (another version, corruption): a miss. */
export function decodeStoredResponse(bytes: Buffer): StoredResponse | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as Partial<StoredResponse> | null;
    if (value?.v !== 1 || typeof value.status !== 'number' || !value.body || typeof value.requestId !== 'string') return undefined;
    if (value.body.kind === 'json' ? typeof value.body.text !== 'string' : !Array.isArray(value.body.frames)) return undefined;
    return value as StoredResponse;
  } catch {
    return undefined;
  }
}
