import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { Agent, type Dispatcher } from 'undici';
import { BodyCapture, statusClass, type CallRecord } from './call-record.ts';
import { LiveConfig } from './config/live-config.ts';
import type { PeriscopeConfig } from '@periscope/contract';
import { errorBody, GatewayError, type Dialect } from './errors.ts';
import { buildEvent, prepareStoredRequest } from './events/build-event.ts';
import { errorTypeForStatus, upstreamErrorMessage } from './events/error-info.ts';
import type { EventSink } from './events/sink.ts';
import { looksLikeGatewayKey } from '@periscope/contract';
import { type KeyVerifier } from './auth/gateway-keys.ts';
import { uuidv7 } from './ids.ts';
import type { ProxyMetrics } from './metrics.ts';
import { createPriceBook } from './pricing/price-book.ts';
import { KeyPools } from './providers/key-pool.ts';
import { adapterFor } from './providers/registry.ts';
import { AuthFailureGuard } from './auth/auth-failures.ts';
import { parseCidr } from './net/address-policy.ts';
import { createGuardedAgent } from './net/guarded-agent.ts';
import type { CounterStore } from './limits/counter-store.ts';
import { LimitEnforcer } from './limits/limit-enforcer.ts';
import { MemoryCounterStore } from './limits/memory-counter-store.ts';
import { DeploymentStats } from './routing/deployment-stats.ts';
import { bearerValue, readRequestMetadata, type RequestMetadata } from './request-metadata.ts';
import { classifyEndpoint } from './routing/endpoint.ts';
import { relayCall, type RelayDeps } from './relay/relay-call.ts';
import { ClientDisconnect } from './relay/client-disconnect.ts';
import { createCacheBackend, GatewayCache } from './cache/gateway-cache.ts';
import { PromptCaching } from './prompt-cache/prompt-caching.ts';
import { clientCredentials } from './relay/upstream-headers.ts';
import { applyAgentHeaders } from './agents/agent-headers.ts';
import { AgentPaths } from './agents/agent-paths.ts';
import { startTracer } from './otel/tracer.ts';
import { UsageMetrics } from './usage/usage-metrics.ts';
import { providerKeyScrubber } from './relay/provider-key-scrubber.ts';
import { holdsSecret } from './events/redact.ts';
import { checkApiPath, checkRepeatedV1 } from './routing/api-path.ts';

export interface ProxyOptions {
  /** A LiveConfig to support hot reload; a plain config is fixed for the plugin's life. */
  config: PeriscopeConfig | LiveConfig;
  keys: KeyVerifier;
  sink: EventSink;
  metrics: ProxyMetrics;
  /** Counters for `limits:`; in memory by default, Redis when proxies share limits. */
  counters?: CounterStore;
  /** Injected in tests and benches; by default one keep-alive pool per upstream origin. */
  dispatcher?: Dispatcher;
  /** The shared client from PERISCOPE_REDIS_URL (see redis.ts); needed by `cache.backend: redis`. */
  redis?: Redis;
}

/** Bodies of JSON responses are parsed for usage up to this size; larger ones are counted. */
const USAGE_PARSE_LIMIT = 32 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    periscopeDialect: Dialect;
    periscopeRequestId: string;
    periscopeCall: CallRecord | null;
  }
}

function dialectFor(request: FastifyRequest, prefix: string | undefined, config: PeriscopeConfig): Dialect {
  if (prefix && Object.hasOwn(config.providers, prefix) && adapterFor(config.providers[prefix]!.type).dialect === 'anthropic') return 'anthropic';
  // Both APIs list models at GET /v1/models; Anthropic clients (Claude Code's model discovery) send anthropic-version.
  if (request.headers['anthropic-version'] !== undefined && /^\/v1\/models(?:\?|$)/.test(request.url)) return 'anthropic';
  return /^\/(?:[^/]+\/)?v1\/messages(?:\/|\?|$)/.test(request.url) ? 'anthropic' : 'openai';
}

/** The gateway key: `Periscope-Auth`, or a `psk_` key sent where the SDK puts provider keys. */
function presentedGatewayKey(request: FastifyRequest, meta: RequestMetadata): string | undefined {
  if (meta.gatewayKey) return meta.gatewayKey;
  for (const name of ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'] as const) {
    const v = bearerValue(request.headers[name] as string | undefined);
    if (v && looksLikeGatewayKey(v)) return v;
  }
  return undefined;
}

/**
 * The gateway routes as an encapsulated Fastify plugin: `/v1/*` and `/<provider>/*`.
 * Bodies are taken as raw bytes (relayed unchanged unless the gateway must edit them), and
 * one error handler renders every gateway error in the dialect the client speaks.
 */
export async function proxyPlugin(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  const { metrics, sink } = opts;
  const live = opts.config instanceof LiveConfig ? opts.config : new LiveConfig(opts.config);
  // Restart-only sections: read once.
  const { gateway, logging, otel } = live.current;
  const dispatcher = opts.dispatcher ?? new Agent({ connect: { timeout: gateway.timeouts.connect_ms }, keepAliveTimeout: 30_000 });
  if (!opts.dispatcher) app.addHook('onClose', async () => dispatcher.close());
  const allowedNetworks = gateway.allow_private_networks.map(parseCidr);
  const guardedDispatcher = createGuardedAgent(allowedNetworks, gateway.timeouts.connect_ms);
  app.addHook('onClose', async () => guardedDispatcher.close());
  // Shared by every config version: health and key counters outlive a reload.
  const stats = new DeploymentStats();
  const keyPools = new KeyPools();
  const authFailures = new AuthFailureGuard(gateway.max_auth_failures_per_minute);
  const counters = opts.counters ?? new MemoryCounterStore();
  const limits = new LimitEnforcer(counters, metrics, app.log);
  const cacheSettings = live.current.cache;
  const cache = new GatewayCache(createCacheBackend(cacheSettings, opts.redis), cacheSettings, metrics, app.log);
  const promptCaching = new PromptCaching(cacheSettings.prompt_cache_sessions, metrics);
  const agentPaths = new AgentPaths(cacheSettings.prompt_cache_sessions);
  const usageMetrics = new UsageMetrics(metrics);
  // undefined unless otel.endpoint is set: then a call pays one check for tracing, nothing more.
  const tracer = startTracer(otel, metrics, app.log);
  if (tracer) app.addHook('onClose', () => tracer.close());
  // One per config version, shared by its calls: an open stream's relay keeps it (not a copy each).
  const relayDeps = new WeakMap<PeriscopeConfig, RelayDeps>();
  const relayDepsOf = (config: PeriscopeConfig): RelayDeps => {
    let deps = relayDeps.get(config);
    if (!deps) {
      const priceBook = createPriceBook(config.pricing);
      deps = { config, priceBook, dispatcher, guardedDispatcher, allowedNetworks, metrics, stats, keyPools, limits, cache, promptCaching, logCall, prepareEvent };
      relayDeps.set(config, deps);
    }
    return deps;
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: gateway.max_request_bytes }, (_req, body, done) => done(null, body));
  app.decorateRequest('periscopeDialect', 'openai');
  app.decorateRequest('periscopeRequestId', '');
  app.decorateRequest('periscopeCall', null);

  // Callback hooks and a handler that is not async (handle): each async layer costs every call a
  // promise and a turn of the microtask queue before it reaches the provider.
  app.addHook('onRequest', (request, _reply, done) => {
    const prefix = (request.params as { provider?: string } | undefined)?.provider;
    request.periscopeDialect = dialectFor(request, prefix, live.current);
    request.periscopeRequestId = uuidv7();
    done();
  });

  /**
   * Builds the call's event and appends it to the spool, once. Called just before the last
   * byte of the answer is written, so every call a client saw answered is already logged when
   * the process dies; calls that end otherwise (the client left, the connection broke) are
   * logged when the connection closes.
   */
  function logCall(call: CallRecord): void {
    if (call.event) return;
    try {
      if (call.status >= 400 && !call.errorType) {
        call.errorType = errorTypeForStatus(call.status);
        call.errorMessage = upstreamErrorMessage(call.response.text());
      }
      metrics.requests.inc({ provider: call.provider || 'none', endpoint: call.endpoint, status_class: statusClass(call.status) });
      call.event = buildEvent(call, { priceBook: call.priceBook, maxStoredBodyBytes: logging.max_stored_body_bytes, metrics });
      sink.emit(call.event);
    } catch (err) {
      metrics.eventsDropped.inc({ reason: 'build_failed' });
      app.log.error({ err, request_id: call.requestId }, 'could not build the event for a call');
      return;
    }
    usageMetrics.record(call.event);
    if (tracer) tracer.endCall(call, call.event);
  }

  const prepareEvent = (call: CallRecord) => prepareStoredRequest(call, logging.max_stored_body_bytes);

  function finish(call: CallRecord, reply: FastifyReply, client: ClientDisconnect): void {
    if (!call.event) {
      if (!reply.raw.writableFinished && !call.errorType) {
        call.errorType = 'client_aborted';
        call.errorMessage = 'The client closed the connection before the response ended.';
        if (!reply.raw.headersSent) call.status = 499;
        metrics.clientAborts.inc();
      }
      logCall(call);
    }
    // A response that ended normally has consumed the upstream body: nothing to cancel (and
    // abort() builds a DOMException, which shows up in profiles at thousands of calls/s).
    if (!reply.raw.writableFinished) client.abort();
    const event = call.event;
    if (!event) return;
    for (const settle of call.onEnd) {
      try {
        settle(event);
      } catch (err) {
        app.log.error({ err, request_id: call.requestId }, 'a call\'s end-of-call step failed');
      }
    }
  }

  /** Throws what it refuses before the call is relayed (Fastify sends it to the error handler, as a rejection). */
  function handle(request: FastifyRequest, reply: FastifyReply, prefix: string | undefined): Promise<void> {
    const meta = readRequestMetadata(request.headers);
    const presented = presentedGatewayKey(request, meta);
    const blockedFor = authFailures.blockedFor(request.ip);
    if (blockedFor > 0) {
      throw new GatewayError('too_many_auth_failures', 'Too many failed authentications from this address; try again later.', null, { 'retry-after': String(blockedFor) });
    }
    if (!presented) {
      authFailures.failed(request.ip);
      throw new GatewayError('missing_gateway_key', 'Missing gateway key: send "Periscope-Auth: Bearer <gateway key>".');
    }
    const key = opts.keys.verify(presented);
    if (!key) {
      authFailures.failed(request.ip);
      throw new GatewayError('invalid_gateway_key', 'Invalid, expired or revoked gateway key.');
    }
    if (sink.admit && !sink.admit()) {
      throw new GatewayError('logging_unavailable', 'The gateway cannot log calls right now (event spool full) and is configured to refuse them.');
    }
    const deps = relayDepsOf(live.current);
    const config = deps.config;
    applyAgentHeaders(meta, request.headers, config.sessions, agentPaths, key.project_id);
    // From the raw URL, not the prefix's length: the router decodes `/open%61i/...` to "openai".
    const apiPath = prefix ? request.url.slice(request.url.indexOf('/', 1)) : request.url;
    const secrets = [presented, ...clientCredentials(request.headers)];
    // The id becomes a column and a response header: one that holds a key is not taken.
    const requestId = meta.requestId !== undefined && !holdsSecret(meta.requestId, secrets) ? meta.requestId : request.periscopeRequestId;
    request.periscopeRequestId = requestId;
    // The key that authenticated the call, wherever the client sent it (the metadata read only Periscope-Auth).
    meta.gatewayKey = presented;
    const call: CallRecord = {
      requestId,
      startedAt: Date.now(),
      t0: performance.now(),
      meta,
      userAgent: String(request.headers['user-agent'] ?? ''),
      projectId: key.project_id,
      keyId: key.key_id,
      keyAccess: key,
      provider: prefix ?? '',
      providerType: prefix && Object.hasOwn(config.providers, prefix) ? config.providers[prefix]!.type : undefined,
      model: '',
      endpoint: 'passthrough',
      streamed: false,
      status: 0,
      errorType: '',
      errorMessage: '',
      ttftMs: null,
      requestBody: request.body as Buffer | undefined,
      response: new BodyCapture(USAGE_PARSE_LIMIT),
      streamObserved: undefined,
      upstreamRequestId: '',
      secrets,
      attempts: 1,
      attemptLog: [],
      fallbackModel: '',
      cacheStatus: 'bypass',
      cacheSourceRequestId: '',
      promptCache: undefined,
      onEnd: [],
      event: undefined,
      responseHeaders: {},
      priceBook: deps.priceBook,
      trace: tracer ? tracer.startCall(request.headers, request.method) : undefined,
    };
    request.periscopeCall = call;
    const client = new ClientDisconnect();
    // `on`: a response emits 'close' once; once's wrapper would stay with an open stream.
    reply.raw.on('close', () => finish(call, reply, client));
    reply.header('periscope-request-id', requestId);
    // After the call record exists, so a refused path is a row the operator can see.
    checkApiPath(request.url);
    checkRepeatedV1(apiPath, request.periscopeDialect);
    call.endpoint = classifyEndpoint(request.method, apiPath);
    return relayCall(request, reply, call, prefix, apiPath, deps, client);
  }

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const err = toGatewayError(error);
    if (err.code === 'internal_error') request.log.error({ err: error }, 'unexpected error in the gateway');
    // Messages can quote what a provider or the network said; no configured key goes back with them.
    const scrubber = providerKeyScrubber(live.current);
    if (scrubber) err.message = scrubber.scrubMessage(err.message);
    const call = request.periscopeCall;
    if (call) {
      call.status = err.status;
      call.errorType = err.code;
      call.errorMessage = err.message;
      logCall(call);
    } else {
      // Refused before the call had a record (no or bad key, a body over the limit): no row, counted.
      metrics.rejected.inc({ reason: REJECTED_REASON[err.code] ?? err.code });
    }
    void reply
      .code(err.status)
      .headers(err.headers)
      .header('periscope-request-id', request.periscopeRequestId)
      .send(errorBody(err, request.periscopeDialect, request.periscopeRequestId));
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new GatewayError('unknown_route', `Unknown route: ${request.method} ${request.url.split('?', 1)[0]}`);
    metrics.rejected.inc({ reason: err.code });
    void reply.code(err.status).send(errorBody(err, request.periscopeDialect, request.periscopeRequestId));
  });

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  app.route({ method: [...methods], url: '/v1/*', handler: (req, reply) => handle(req, reply, undefined) });
  app.route({
    method: [...methods],
    url: '/:provider/*',
    handler: (req, reply) => {
      const prefix = (req.params as { provider: string }).provider;
      if (!Object.hasOwn(live.current.providers, prefix)) {
        throw new GatewayError('unknown_route', `Unknown route: ${req.method} ${req.url.split('?', 1)[0]} (no provider named "${prefix}")`);
      }
      return handle(req, reply, prefix);
    },
  });
}

/** `periscope_proxy_rejected_total` reasons named before they were the catalog's codes. */
const REJECTED_REASON: Readonly<Record<string, string>> = { too_many_auth_failures: 'auth_failures' };

/** Fastify's own errors (body limit, bad content) mapped into the catalog. */
function toGatewayError(error: Error & { statusCode?: number; code?: string }): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new GatewayError('body_too_large', 'The request body exceeds the gateway limit (gateway.max_request_bytes).');
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new GatewayError('unsupported_media_type', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new GatewayError('invalid_request', error.message);
  return new GatewayError('internal_error', 'Internal gateway error.');
}
