import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
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
 * (gzip, deflate, br; another encoding, or one that does not decode, is withheld, since it
 * cannot be checked). Content-Length always matches what is sent: the body may have been
 * shortened (scrubbed, or cut at the gateway's error-body limit).
 */
export function relayedError(
  upstream: { headers: IncomingHttpHeaders; body: Buffer },
  scrubber: ProviderKeyScrubber | undefined,
): { headers: OutgoingHttpHeaders; body: Buffer } {
  const headers = clientResponseHeaders(upstream.headers, true, scrubber);
  if (!scrubber) return { headers: Object.assign({}, headers, { 'content-length': upstream.body.length }), body: upstream.body };
  const plain = decoded(upstream.headers, upstream.body);
  delete headers['content-encoding'];
  const body = plain
    ? scrubber.scrubBody(plain)
    : Buffer.from(`The provider's error body was withheld: its content-encoding (${scrubber.scrubText(String(upstream.headers['content-encoding']))}) could not be checked for keys.`);
  if (!plain) headers['content-type'] = 'text/plain; charset=utf-8';
  return { headers: Object.assign({}, headers, { 'content-length': body.length }), body };
}
