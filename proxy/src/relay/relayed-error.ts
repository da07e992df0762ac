import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { errorBody, GatewayError, type Dialect } from '../errors.ts';
import type { ProviderKeyScrubber } from './provider-key-scrubber.ts';
import { clientResponseHeaders } from './upstream-headers.ts';

/** A decompressed error body larger than this is not an error message: it is withheld. */
const MAX_DECODED_ERROR_BYTES = 4 * 1024 * 1024;

const DECODERS: Record<string, (body: Buffer) => Buffer> = {
  gzip: (b) => gunzipSync(b, { maxOutputLength: MAX_DECODED_ERROR_BYTES }),
  'x-gzip': (b) => gunzipSync(b, { maxOutputLength: MAX_DECODED_ERROR_BYTES }),
  deflate: (b) => inflateSync(b, { maxOutputLength: MAX_DECODED_ERROR_BYTES }),
  br: (b) => brotliDecompressSync(b, { maxOutputLength: MAX_DECODED_ERROR_BYTES }),
};

/** The body as plain bytes: the gateway asks for `identity`, but a provider (or a CDN in front) may compress anyway. */
function decoded(headers: IncomingHttpHeaders, body: Buffer): Buffer | undefined {
  const encoding = String(headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  try {
    return DECODERS[encoding]?.(body);
  } catch {
    return undefined;
  }
}

/**
 * A provider's error answer as the client gets it. With provider keys configured, every one
 * of them is scrubbed from the body and the headers; a compressed body is decompressed first
 * (gzip, deflate, br). A body that cannot be checked (another encoding, one that does not
 * decode, or text the scrubber withholds: provider-key-scrubber.ts) is replaced by an error in
 * the shape of the dialect the client speaks, saying so, with the provider's status, so that an
 * SDK still parses it. Content-Length always matches what is sent: the body may have been
 * shortened (scrubbed, or cut at the gateway's error-body limit).
 */
export function relayedError(
  upstream: { headers: IncomingHttpHeaders; body: Buffer },
  scrubber: ProviderKeyScrubber | undefined,
  client: { dialect: Dialect; requestId: string },
): { headers: OutgoingHttpHeaders; body: Buffer } {
  const headers = clientResponseHeaders(upstream.headers, true, scrubber);
  if (!scrubber) return { headers: Object.assign({}, headers, { 'content-length': upstream.body.length }), body: upstream.body };
  const plain = decoded(upstream.headers, upstream.body);
  delete headers['content-encoding'];
  const scrubbed = plain && scrubber.scrubBody(plain);
  let body: Buffer;
  if (scrubbed && (scrubbed.length > 0 || plain.length === 0)) {
    body = scrubbed;
  } else {
    const why = plain
      ? 'it could not be checked for provider keys'
      : `its content-encoding (${scrubber.scrubMessage(String(upstream.headers['content-encoding']))}) could not be checked for provider keys`;
    const withheld = new GatewayError('provider_error_withheld', `Periscope withheld the provider's error body: ${why}.`);
    body = Buffer.from(JSON.stringify(errorBody(withheld, client.dialect, client.requestId)));
    headers['content-type'] = 'application/json';
  }
  return { headers: Object.assign({}, headers, { 'content-length': body.length }), body };
}
