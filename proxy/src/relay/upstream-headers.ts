import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { CLIENT_KEY_HEADERS } from '../providers/types.ts';
import { isGatewayHeader } from '../request-metadata.ts';
import { looksLikeGatewayKey } from '../auth/gateway-keys.ts';

/** RFC 9110 hop-by-hop headers, plus ones the gateway sets itself. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'accept-encoding', 'cookie', 'expect',
]);

export interface UpstreamHeaderPlan {
  headers: Record<string, string>;
  clientSentKey: boolean;
}

const isKeyHeader = (name: string) => (CLIENT_KEY_HEADERS as readonly string[]).includes(name);
const credentialOf = (value: string) => value.replace(/^\s*Bearer\s+/i, '').trim();

/** Credential values the client sent, to be scrubbed from everything stored about the call. */
export function clientCredentials(incoming: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name of CLIENT_KEY_HEADERS) {
    const value = incoming[name];
    const secret = typeof value === 'string' ? credentialOf(value) : '';
    if (secret) out.push(secret);
  }
  return out;
}

/**
 * Client headers are relayed except hop-by-hop and gateway headers. A provider key the client
 * sent is forwarded as sent; otherwise the configured key is added in the provider's style.
 * Gateway keys (`psk_...`, sent where SDKs put provider keys by clients that cannot add
 * headers) are never forwarded. When the operator's `models:` alias chose the provider, the
 * client cannot know where its key would go, so the configured key replaces it.
 */
export function planUpstreamHeaders(
  incoming: IncomingHttpHeaders,
  configuredAuth: Record<string, string> | undefined,
  preferConfiguredKey: boolean,
): UpstreamHeaderPlan {
  const headers: Record<string, string> = {};
  let clientSentKey = false;
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || NOT_FORWARDED.has(name) || isGatewayHeader(name)) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    if (isKeyHeader(name)) {
      const secret = credentialOf(v);
      if (!secret || looksLikeGatewayKey(secret) || (preferConfiguredKey && configuredAuth)) continue;
      clientSentKey = true;
    }
    headers[name] = v;
  }
  if (!clientSentKey && configuredAuth) Object.assign(headers, configuredAuth);
  // Usage is read from the body as it passes, so ask for it uncompressed.
  headers['accept-encoding'] = 'identity';
  return { headers, clientSentKey };
}

const NOT_RETURNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer']);

/** Upstream response headers for the client: everything meaningful, unchanged. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, dropContentLength: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || NOT_RETURNED.has(name)) continue;
    if (dropContentLength && name === 'content-length') continue;
    out[name] = value;
  }
  return out;
}
