import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ProviderType } from '@periscope/contract';
import type { Dialect } from '../errors.ts';
import { acceptsCredential } from '../providers/credentials.ts';
import { CLIENT_KEY_HEADERS, type ClientKeyHeader } from '../providers/types.ts';
import { isGatewayHeader } from '../request-metadata.ts';
import { looksLikeGatewayKey } from '@periscope/contract';
import type { ProviderKeyScrubber } from './provider-key-scrubber.ts';

/** RFC 9110 hop-by-hop headers, plus ones the gateway sets itself. */
const NOT_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'accept-encoding', 'cookie', 'expect',
]);

export interface UpstreamHeaderPlan {
  headers: Record<string, string>;
  clientSentKey: boolean;
  /** A client credential header left out because this provider type does not take that kind of key. */
  refusedCredential: ClientKeyHeader | undefined;
}

const isKeyHeader = (name: string): name is ClientKeyHeader => (CLIENT_KEY_HEADERS as readonly string[]).includes(name);
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
 * sent is forwarded as sent, if the provider's type takes that kind of key (an Anthropic key
 * never goes to an OpenAI-type upstream, an OpenAI key never to Anthropic or Google: see
 * providers/credentials.ts); otherwise the configured key is added in the provider's style.
 * Gateway keys (`psk_...`, sent where SDKs put provider keys by clients that cannot add
 * headers) are never forwarded. When the operator's `models:` alias chose the provider, the
 * client cannot know where its key would go, so the configured key replaces it.
 */
export function planUpstreamHeaders(
  incoming: IncomingHttpHeaders,
  configuredAuth: Record<string, string> | undefined,
  preferConfiguredKey: boolean,
  providerType: ProviderType,
  clientDialect: Dialect,
): UpstreamHeaderPlan {
  const headers: Record<string, string> = {};
  let clientSentKey = false;
  let refusedCredential: ClientKeyHeader | undefined;
  // `for...in`, not Object.entries: no array of pairs per call. Own names only: a name some other
  // bug added to Object.prototype is not a header to forward.
  for (const name in incoming) {
    if (!Object.hasOwn(incoming, name)) continue;
    const value = incoming[name];
    if (value === undefined || NOT_FORWARDED.has(name) || isGatewayHeader(name)) continue;
    const v = Array.isArray(value) ? value.join(', ') : value;
    if (isKeyHeader(name)) {
      const secret = credentialOf(v);
      if (!secret || looksLikeGatewayKey(secret)) continue;
      if (!acceptsCredential(providerType, name, secret, clientDialect)) {
        refusedCredential = name;
        continue;
      }
      if (preferConfiguredKey && configuredAuth) continue;
      clientSentKey = true;
    }
    headers[name] = v;
  }
  if (!clientSentKey && configuredAuth) Object.assign(headers, configuredAuth);
  // Usage is read from the body as it passes, so ask for it uncompressed.
  headers['accept-encoding'] = 'identity';
  return { headers, clientSentKey, refusedCredential };
}

const NOT_RETURNED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer']);

/**
 * Upstream response headers for the client: everything meaningful, unchanged, except that
 * with a scrubber every configured provider key is taken out (a header whose name holds one
 * is left out). `for...in` rather than Object.entries: half the cost, which pays for the scrub.
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, dropContentLength: boolean, scrubber?: ProviderKeyScrubber): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (!Object.hasOwn(upstream, name)) continue; // as in planUpstreamHeaders
    const value = upstream[name];
    if (value === undefined || NOT_RETURNED.has(name)) continue;
    if (dropContentLength && name === 'content-length') continue;
    if (!scrubber) out[name] = value;
    else if (!scrubber.holdsKey(name)) out[name] = scrubber.scrubHeaderValue(value);
  }
  return out;
}
