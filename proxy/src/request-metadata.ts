import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './errors.ts';
import { parseFallbackHeader, type RouteOverrides } from './routing/route-plan.ts';

/**
 * The Periscope request headers (docs/gateway.md, "Request headers"). Each is also accepted with the `Helicone-`
 * prefix so teams can switch gateways without touching their code.
 */
export interface RequestMetadata {
  gatewayKey: string | undefined;
  userId: string;
  sessionId: string;
  sessionPath: string;
  sessionName: string;
  properties: Record<string, string>;
  requestId: string | undefined;
  omitRequest: boolean;
  omitResponse: boolean;
  provider: string | undefined;
  /** Periscope-Target-Url: an upstream the operator allow-listed (gateway.target_urls). */
  targetUrl: string | undefined;
  /** Periscope-Provider, -Fallbacks, -Retry-Enabled, -Retry-Num. */
  route: RouteOverrides;
  /** Periscope-Cache-Enabled, -Cache-Seed, -Cache-Bucket-Max-Size, -Prompt-Cache. */
  cache: CacheHeaders;
}

export interface CacheHeaders {
  /** undefined: the model's `cache.enabled` decides. */
  enabled: boolean | undefined;
  seed: string;
  /** Variants stored per key before it serves (1–20); undefined = 1. */
  bucketMaxSize: number | undefined;
  /** Overrides the model's `prompt_cache` for this call. */
  promptCache: 'auto' | 'off' | undefined;
}

const MAX_PROPERTIES = 50;
/**
 * What a metadata header's value keeps when read (user, session, property, cache seed). The clip
 * comes before any redaction: a stored value this long may end in part of a secret the clip cut
 * through, which the event builder guards against (events/build-event.ts, helper-76).
 */
export const MAX_VALUE_LENGTH = 1024;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const PERISCOPE = 'periscope-';
const HELICONE = 'helicone-';
const PROPERTY = 'property-';

/**
 * The gateway's own headers in one pass over the request's: by name without the prefix
 * (`periscope-` wins over `helicone-`; empty values count as absent), and the properties.
 */
function gatewayHeaders(headers: IncomingHttpHeaders): { get(name: string): string | undefined; properties: Record<string, string> } {
  const values = new Map<string, string>();
  const properties: Record<string, string> = {};
  let count = 0;
  for (const name in headers) {
    const periscope = name.startsWith(PERISCOPE);
    if (!periscope && !name.startsWith(HELICONE)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    const suffix = name.slice(periscope ? PERISCOPE.length : HELICONE.length);
    if (suffix.startsWith(PROPERTY)) {
      if (count >= MAX_PROPERTIES) continue;
      const key = suffix.slice(PROPERTY.length).slice(0, 64);
      if (key.length === 0) continue;
      properties[key] = clip(Array.isArray(value) ? value.join(', ') : value);
      count++;
      continue;
    }
    const s = Array.isArray(value) ? value[0] : value;
    if (s === undefined || s === '' || (!periscope && values.has(suffix))) continue;
    values.set(suffix, s);
  }
  return { get: (name) => values.get(name), properties };
}

const clip = (s: string | undefined): string => (s ?? '').slice(0, MAX_VALUE_LENGTH);

export function bearerValue(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : value.trim() || undefined;
}

export function readRequestMetadata(headers: IncomingHttpHeaders): RequestMetadata {
  const { get: header, properties } = gatewayHeaders(headers);
  const requestId = header('request-id');
  const provider = header('provider')?.trim();
  return {
    gatewayKey: bearerValue(header('auth')),
    userId: clip(header('user-id')),
    sessionId: clip(header('session-id')),
    sessionPath: clip(header('session-path')),
    sessionName: clip(header('session-name')),
    properties,
    requestId: requestId && REQUEST_ID_PATTERN.test(requestId) ? requestId : undefined,
    omitRequest: header('omit-request')?.toLowerCase() === 'true',
    omitResponse: header('omit-response')?.toLowerCase() === 'true',
    provider,
    targetUrl: header('target-url'),
    route: {
      provider,
      fallbacks: parseFallbackHeader(header('fallbacks')),
      retryEnabled: parseBoolean(header('retry-enabled'), 'Retry-Enabled'),
      retryNum: parseRetryNum(header('retry-num')),
    },
    cache: {
      enabled: parseBoolean(header('cache-enabled'), 'Cache-Enabled'),
      seed: clip(header('cache-seed')),
      bucketMaxSize: parseBucketMaxSize(header('cache-bucket-max-size')),
      promptCache: parsePromptCache(header('prompt-cache')),
    },
  };
}

function parseBucketMaxSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new GatewayError('invalid_request', 'Periscope-Cache-Bucket-Max-Size must be an integer from 1 to 20.');
  return n;
}

function parsePromptCache(value: string | undefined): 'auto' | 'off' | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'auto' || v === 'off') return v;
  throw new GatewayError('invalid_request', 'Periscope-Prompt-Cache must be auto or off.');
}

function parseBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new GatewayError('invalid_request', `Periscope-${name} must be true or false.`);
}

function parseRetryNum(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new GatewayError('invalid_request', 'Periscope-Retry-Num must be an integer from 0 to 10.');
  return n;
}

/** True for headers that belong to the gateway and must never reach a provider. */
export function isGatewayHeader(name: string): boolean {
  return name.startsWith('periscope-') || name.startsWith('helicone-');
}
