import { GatewayError } from '../errors.ts';

/** Maps an undici failure (no HTTP answer from the provider) to the gateway's catalog. */
export function upstreamFailure(err: unknown, providerName: string): { error: GatewayError; reason: string } {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    const reason = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect_timeout' : code === 'UND_ERR_HEADERS_TIMEOUT' ? 'headers_timeout' : 'idle_body_timeout';
    return { error: new GatewayError('upstream_timeout', `Provider "${providerName}" did not answer in time (${reason}).`), reason };
  }
  const detail = (err as Error).message || code || 'connection failed';
  return {
    error: new GatewayError('upstream_unreachable', `Could not reach provider "${providerName}": ${detail}`),
    reason: code.startsWith('UND_ERR') ? code.slice(8).toLowerCase() : code.toLowerCase() || 'connection_error',
  };
}
