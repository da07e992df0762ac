import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { CallRecord } from '../call-record.ts';
import type { TimeoutsConfig } from '@periscope/contract';
import { GatewayError, type Dialect } from '../errors.ts';
import type { KeyLease, KeyPools } from '../providers/key-pool.ts';
import type { Endpoint } from '../providers/types.ts';
import { adapterFor } from '../providers/registry.ts';
import { classifyBadRequest, retryAfterMs, type FailureKind } from '../routing/retry-policy.ts';
import type { Deployment } from '../routing/route-plan.ts';
import { upstreamBodyFor, wantsInjectedUsage, type ParsedBody } from './request-body.ts';
import { upstreamFailure } from './upstream-error.ts';
import type { Cidr } from '../net/address-policy.ts';
import { checkLiteralHost } from '../net/guarded-agent.ts';
import { planUpstreamHeaders } from './upstream-headers.ts';
import type { ClientDisconnect } from './client-disconnect.ts';
import { releaseHeaders, upstreamRequest, type UpstreamBody, type UpstreamExchange, type UpstreamResponse } from './upstream-request.ts';

/** Error bodies are buffered (to retry, or to relay the last one); beyond this they are cut. */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;

export interface AttemptInput {
  request: FastifyRequest;
  call: CallRecord;
  body: ParsedBody;
  apiPath: string;
  dispatcher: Dispatcher;
  guardedDispatcher: Dispatcher;
  allowedNetworks: readonly Cidr[];
  timeouts: TimeoutsConfig;
  keyPools: KeyPools;
  /** The client's disconnect: ends the attempt and everything after it. */
  client: ClientDisconnect;
}

/** A response that started: headers, and for streams the first chunk already read. */
export interface StartedResponse {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  isSse: boolean;
  /** The provider is asked for a usage chunk the client did not request: hide it. */
  injectedUsage: boolean;
  firstChunk: Buffer | undefined;
  rest: UpstreamBody;
  lease: KeyLease | undefined;
  /** The provider got a configured key (not the client's): what it echoes is scrubbed of configured keys. */
  sentConfiguredKey: boolean;
}

export interface FailedAttempt {
  ok: false;
  failure: FailureKind;
  /** Set when the provider answered: relayed to the client if no other attempt succeeds. */
  response: { status: number; headers: IncomingHttpHeaders; body: Buffer } | undefined;
  /** Set when it did not (timeout, refused connection, busy keys). */
  error: GatewayError | undefined;
  retryAfterMs: number | undefined;
  /** Short reason for the attempt log and metrics. */
  errorType: string;
}

export type AttemptResult = StartedResponse | FailedAttempt;

class AttemptTimeout extends Error {}

/** undici wraps the lookup's error; either layer may carry the guard's code. */
function isBlocked(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code === 'PERISCOPE_BLOCKED_ADDRESS' || e.cause?.code === 'PERISCOPE_BLOCKED_ADDRESS';
}

function blocked(err: Error): FailedAttempt {
  const message = (err as { cause?: Error }).cause?.message ?? err.message;
  return failure({ kind: 'status', status: 403 }, new GatewayError('target_blocked', `Periscope-Target-Url refused: ${message}`), 'target_blocked');
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BODY_BYTES) parts.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - size));
    size += chunk.length;
  }
  return Buffer.concat(parts);
}

/**
 * The dialect the client speaks: its path says so (`/v1/messages...`, an Anthropic provider's
 * prefix), and on paths both providers have (`/v1/models`, pass-through) the
 * `anthropic-version` header the Anthropic SDK and Claude Code always send.
 */
function clientDialect(request: FastifyRequest, endpoint: Endpoint): Dialect {
  if (request.periscopeDialect === 'anthropic') return 'anthropic';
  const shared = endpoint === 'models' || endpoint === 'passthrough';
  return shared && request.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

/**
 * The client's only provider key is of a kind this provider type does not take (an Anthropic
 * key on an OpenAI route, say), so it is not forwarded, and the provider has no configured key
 * to use instead: the call is refused with what to change.
 */
function credentialMismatch(header: string, deployment: Deployment): GatewayError {
  const { provider, providerConfig } = deployment;
  return new GatewayError(
    'credential_mismatch',
    `The provider key in the ${header} header is not sent to provider "${provider}" (type ${providerConfig.type}): it is another provider's kind of key. ` +
      `Send a key of "${provider}", or call the route of the provider the key belongs to (Anthropic SDK and Claude Code: base URL = the gateway root; OpenAI SDK: the gateway root + /v1).`,
  );
}

function failure(kind: FailureKind, error: GatewayError, errorType: string): FailedAttempt {
  return { ok: false, failure: kind, response: undefined, error, retryAfterMs: undefined, errorType };
}

/**
 * One upstream attempt on one deployment. Returns once the response has started; an error
 * status comes back buffered, so the caller can retry it or relay it. A stream counts as
 * started only when its first byte arrived, so a stream that dies before that can be retried.
 * `timeoutMs` holds until the response starts (headers; the first byte of a stream); undefined =
 * timeouts.headers_ms alone.
 */
export async function sendAttempt(input: AttemptInput, deployment: Deployment, timeoutMs: number | undefined): Promise<AttemptResult> {
  const { request, call, body } = input;
  const provider = deployment.providerConfig;
  const adapter = adapterFor(provider.type);
  const inject = wantsInjectedUsage(call.endpoint, body, adapter.dialect === 'openai', provider.inject_stream_usage);
  const upstreamBody = upstreamBodyFor(body, deployment.upstreamModel, inject);

  // Without a per-attempt limit the client's signal is enough: no controller, timer or combined
  // signal on the common path (undici's own timeouts still apply).
  const limitMs = timeoutMs;
  const controller = limitMs === undefined ? undefined : new AbortController();
  let exchange: UpstreamExchange | undefined;
  const timer = controller
    ? setTimeout(() => {
      const reason = new AttemptTimeout();
      controller.abort(reason);
      exchange?.abort(reason);
    }, limitMs)
    : undefined;
  const timedOut = () => controller?.signal.aborted === true;
  const timeoutFailure = () =>
    failure({ kind: 'timeout' }, new GatewayError('upstream_timeout', `Provider "${deployment.provider}" did not start answering within ${limitMs} ms.`), 'upstream_timeout');

  let lease: KeyLease | undefined;
  try {
    const pool = input.keyPools.poolFor(deployment.provider, provider);
    if (pool) {
      try {
        lease = await pool.acquire(controller ? AbortSignal.any([input.client.signal, controller.signal]) : input.client.signal);
      } catch (err) {
        if (input.client.aborted) throw err;
        if (timedOut()) return timeoutFailure();
        const e = err as GatewayError;
        return { ok: false, failure: { kind: 'status', status: 429 }, response: undefined, error: e, retryAfterMs: undefined, errorType: 'upstream_key_busy' };
      }
    }
    const configuredKey = lease?.key ?? provider.api_key;
    const configuredAuth = configuredKey ? adapter.authHeaders(configuredKey) : undefined;
    const plan = planUpstreamHeaders(request.headers, configuredAuth, deployment.viaAlias, provider.type, clientDialect(request, call.endpoint));
    if (plan.refusedCredential && !plan.clientSentKey && !configuredAuth) {
      return failure({ kind: 'status', status: 400 }, credentialMismatch(plan.refusedCredential, deployment), 'credential_mismatch');
    }
    if (configuredKey && !call.secrets.includes(configuredKey)) call.secrets.push(configuredKey);
    if (upstreamBody && upstreamBody.length > 0) plan.headers['content-length'] = String(upstreamBody.length);
    const url = adapter.upstreamUrl(provider, input.apiPath, deployment.upstreamModel ?? body.model);
    call.trace?.inject(plan.headers, url);
    const target = new URL(url);
    if (deployment.guarded) {
      try {
        checkLiteralHost(target, input.allowedNetworks);
      } catch (err) {
        return blocked(err as Error);
      }
    }

    if (input.client.aborted) throw input.client.reason;
    if (timedOut()) return timeoutFailure();
    let upstream: UpstreamResponse;
    try {
      exchange = upstreamRequest({
        url: target,
        method: request.method as Dispatcher.HttpMethod,
        headers: plan.headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : upstreamBody,
        dispatcher: deployment.guarded ? input.guardedDispatcher : input.dispatcher,
        headersTimeout: input.timeouts.headers_ms,
        bodyTimeout: input.timeouts.idle_body_ms,
      });
      input.client.exchange = exchange;
      upstream = await exchange.response;
    } catch (err) {
      if (input.client.aborted) throw err;
      if (timedOut()) return timeoutFailure();
      if (isBlocked(err)) return blocked(err as Error);
      const { error, reason } = upstreamFailure(err, deployment.provider);
      const kind: FailureKind = error.code === 'upstream_timeout' ? { kind: 'timeout' } : { kind: 'connection' };
      return failure(kind, error, reason);
    }

    const status = upstream.statusCode;
    if (status < 200 || status >= 300) {
      let text: Buffer;
      try {
        text = await readCapped(upstream.body);
      } catch (err) {
        if (input.client.aborted) throw err;
        if (timedOut()) return timeoutFailure();
        text = Buffer.alloc(0);
      }
      const subtype = status === 400 ? classifyBadRequest(text.toString('utf8')) : undefined;
      return {
        ok: false,
        failure: { kind: 'status', status, subtype },
        response: { status, headers: upstream.headers, body: text },
        error: undefined,
        retryAfterMs: retryAfterMs(upstream.headers),
        errorType: `http_${status}`,
      };
    }

    const isSse = String(upstream.headers['content-type'] ?? '').startsWith('text/event-stream');
    const rest = upstream.body;
    let firstChunk: Buffer | undefined;
    if (isSse) {
      try {
        const first = await rest.next();
        if (first.done) {
          return failure({ kind: 'connection' }, new GatewayError('upstream_unreachable', `Provider "${deployment.provider}" ended the stream before its first event.`), 'empty_stream');
        }
        firstChunk = first.value;
      } catch (err) {
        if (input.client.aborted) throw err;
        if (timedOut()) return timeoutFailure();
        const { error, reason } = upstreamFailure(err, deployment.provider);
        return failure(error.code === 'upstream_timeout' ? { kind: 'timeout' } : { kind: 'connection' }, error, reason);
      }
    }
    const sentConfiguredKey = !plan.clientSentKey && configuredAuth !== undefined;
    const started: StartedResponse = { ok: true, status, headers: upstream.headers, isSse, injectedUsage: inject && isSse, firstChunk, rest, lease, sentConfiguredKey };
    // From here only `started` holds them, until the client's head is written (relay-call.ts).
    releaseHeaders(upstream);
    lease = undefined; // handed over: released when the call ends, with its token count
    return started;
  } finally {
    if (timer) clearTimeout(timer);
    lease?.release(0);
  }
}
