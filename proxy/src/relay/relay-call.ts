import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { STORED_BODY_MARGIN, type CallRecord } from '../call-record.ts';
import type { PeriscopeConfig } from '@periscope/contract';
import type { ProxyMetrics } from '../metrics.ts';
import type { PriceBook } from '../pricing/price-types.ts';
import type { KeyPools } from '../providers/key-pool.ts';
import type { Cidr } from '../net/address-policy.ts';
import type { LimitEnforcer } from '../limits/limit-enforcer.ts';
import { estimateCallCost } from '../limits/estimate-cost.ts';
import { checkModelsAllowed } from '../auth/key-access.ts';
import type { DeploymentStats } from '../routing/deployment-stats.ts';
import { buildRoutePlan } from '../routing/route-plan.ts';
import { providerOfType } from '../routing/resolve-provider.ts';
import { StreamUsageObserver } from '../usage/stream-observer.ts';
import type { StartedResponse } from './attempt.ts';
import type { ClientDisconnect } from './client-disconnect.ts';
import { waitForDrainOrClose } from './drain-or-close.ts';
import { executePlan } from './execute-plan.ts';
import { parseJsonBody } from './request-body.ts';
import { providerKeyScrubber, type ProviderKeyScrubber } from './provider-key-scrubber.ts';
import { relayedError } from './relayed-error.ts';
import { responseHead } from './response-head.ts';
import { SseRelay } from './sse-relay.ts';
import { releaseHeaders, type UpstreamBody } from './upstream-request.ts';
import { upstreamFailure } from './upstream-error.ts';
import { clientResponseHeaders } from './upstream-headers.ts';
import type { GatewayCache, ResponseRecorder } from '../cache/gateway-cache.ts';
import { replayHit } from '../cache/replay-hit.ts';
import type { PromptCaching } from '../prompt-cache/prompt-caching.ts';

/** What a call needs from the gateway; `config` and `priceBook` are the snapshot the call started with. */
export interface RelayDeps {
  config: PeriscopeConfig;
  priceBook: PriceBook;
  dispatcher: Dispatcher;
  /** For destinations a client named: refuses private, loopback and metadata addresses. */
  guardedDispatcher: Dispatcher;
  allowedNetworks: readonly Cidr[];
  metrics: ProxyMetrics;
  stats: DeploymentStats;
  keyPools: KeyPools;
  limits: LimitEnforcer;
  cache: GatewayCache;
  promptCaching: PromptCaching;
  /** Builds and spools the call's event; called right before the answer's last byte. */
  logCall: (call: CallRecord) => void;
  /** Starts the event's work that needs only the request, to run while the provider answers. */
  prepareEvent: (call: CallRecord) => void;
}

/**
 * Relays one authenticated call: plans where it may go, runs the attempts (retries,
 * failover, fallbacks), then streams the answer that started back byte for byte (event for
 * event when a usage chunk must be hidden) while recording what the event needs. When no
 * provider answered, the error goes to the plugin's error handler; when every answer was an
 * error, the last one is relayed as the provider sent it.
 */
export async function relayCall(
  request: FastifyRequest,
  reply: FastifyReply,
  call: CallRecord,
  prefix: string | undefined,
  apiPath: string,
  deps: RelayDeps,
  client: ClientDisconnect,
): Promise<void> {
  const body = parseJsonBody(request, call.endpoint);
  // Kept for the stored request only when it can be used (build-event.ts): not a long body's whole text.
  if (body.raw && body.raw.length <= deps.config.logging.max_stored_body_bytes + STORED_BODY_MARGIN) call.requestText = body.text;
  call.model = body.model ?? '';
  call.streamed = body.stream;
  if (call.trace) call.trace.request = body.json;
  const named = [...(body.model === undefined ? [] : [body.model]), ...(call.meta.route.fallbacks ?? [])];
  checkModelsAllowed(call.keyAccess.allowed_models, named, call.endpoint);
  // Before routing: a hit goes nowhere, so it is neither routed nor counted against limits.
  const lookup = deps.cache.lookup(call, request.headers, body, { prefix, apiPath }, deps.config);
  const cached = lookup === undefined ? undefined : await lookup;
  if (cached?.kind === 'hit') {
    replayHit(reply, call, cached.source, cached.body, deps.config.logging.max_stored_body_bytes, deps.logCall);
    return;
  }
  // An Anthropic client listing models (Claude Code's model discovery) is answered by the Anthropic provider.
  const routePrefix = prefix ?? (call.endpoint === 'models' && request.periscopeDialect === 'anthropic' ? providerOfType(deps.config, 'anthropic') : undefined);
  const plan = buildRoutePlan(deps.config, routePrefix, body.model, call.endpoint, call.meta.route, call.meta.targetUrl);
  const first = plan.groups[0]!.deployments[0]!;
  call.provider = first.provider;
  call.providerType = first.providerConfig.type;
  deps.promptCaching.prepare(call, body, { providerType: first.providerConfig.type, model: first.upstreamModel ?? call.model }, deps.config);
  const rules = call.keyAccess.limit ? [...deps.config.limits, call.keyAccess.limit] : deps.config.limits;
  if (rules.length > 0) {
    const subject = { key: call.keyId, project: call.projectId, user: call.meta.userId, model: call.model, session: call.meta.sessionId };
    const admission = await deps.limits.admit(rules, subject, estimateCallCost(body, first, deps.priceBook), call.requestId);
    call.onEnd.push(admission.settle);
    Object.assign(call.responseHeaders, admission.headers);
  }
  deps.metrics.overhead.observe((performance.now() - call.t0) / 1000);
  deps.prepareEvent(call);

  let outcome;
  try {
    outcome = await executePlan(plan, {
      request, call, body, apiPath,
      dispatcher: deps.dispatcher,
      guardedDispatcher: deps.guardedDispatcher,
      allowedNetworks: deps.allowedNetworks,
      timeouts: deps.config.gateway.timeouts,
      keyPools: deps.keyPools,
      client,
    }, {
      stats: deps.stats,
      cooldown: deps.config.routing.cooldown,
      pick: { stats: deps.stats, priceBook: deps.priceBook, requestedModel: call.model },
      metrics: deps.metrics,
    });
  } catch (err) {
    if (client.aborted) {
      reply.hijack(); // the client left; nothing to send, and the close handler records it
      return;
    }
    throw err;
  }

  const deployment = outcome.deployment;
  call.provider = deployment.provider;
  call.providerType = deployment.providerConfig.type;
  if (!outcome.ok) {
    const { last } = outcome;
    if (!last.response) throw last.error!;
    // Whichever key the provider got, none that the config holds may come back to the client.
    const relayed = relayedError(last.response, providerKeyScrubber(deps.config), { dialect: request.periscopeDialect, requestId: call.requestId });
    call.status = last.response.status;
    call.response.add(relayed.body);
    reply.hijack();
    reply.raw.writeHead(last.response.status, responseHead(relayed.headers, routingHeaders(call)));
    deps.logCall(call);
    reply.raw.end(relayed.body);
    return;
  }
  const started = outcome.response;
  // The id, not the deployment: what this closure keeps stays with an open stream.
  const deploymentId = deployment.id;
  call.onEnd.push(() => deps.stats.ended(deploymentId));
  if (started.lease) {
    const lease = started.lease;
    call.onEnd.push((event) => lease.release(event.prompt_tokens + event.completion_tokens));
  }
  streamToClient(reply, call, started, client, deps, cached?.recorder);
}

function routingHeaders(call: CallRecord): Record<string, string> {
  const headers: Record<string, string> = Object.assign({}, call.responseHeaders, {
    'periscope-request-id': call.requestId,
    'periscope-provider': call.provider,
    'periscope-attempts': String(call.attempts),
  });
  if (call.fallbackModel) headers['periscope-fallback'] = call.fallbackModel;
  return headers;
}

/**
 * Writes the answer's head and relays its body. Returns once the first chunk is handed over: the
 * rest is relayed by undici's callbacks (relayRest), and the end or a failure is handled there.
 * No async frame waits for the stream's end, so an open stream keeps neither the frames of the
 * handler and relayCall (their registers: the parsed request, the plan, the attempt's outcome)
 * nor their promises: each scavenge copies what open streams keep (docs/benchmarks.md, "An open
 * stream without suspended frames").
 */
function streamToClient(
  reply: FastifyReply,
  call: CallRecord,
  started: StartedResponse,
  client: ClientDisconnect,
  deps: RelayDeps,
  recorder: ResponseRecorder | undefined,
): void {
  call.status = started.status;
  const rid = started.headers['x-request-id'] ?? started.headers['request-id'];
  call.upstreamRequestId = (Array.isArray(rid) ? rid[0] : rid) ?? '';
  const isSse = started.isSse;
  call.streamed = isSse;
  // Read here, so that the closures below keep these and not `started` (its first chunk).
  const { status, rest } = started;
  const stripUsage = started.injectedUsage;
  // Only complete JSON answers are parsed for usage; of anything else just the stored part is kept.
  if (isSse || call.endpoint === 'passthrough' || call.endpoint === 'models') {
    call.response.keepForStoring(deps.config.logging.max_stored_body_bytes);
  }

  // The provider got a configured key: whatever it may echo of one is scrubbed (headers, error events).
  const scrubber = started.sentConfiguredKey ? providerKeyScrubber(deps.config) : undefined;
  // A body of known length ends with the chunk that completes it: log before writing that one.
  const contentLength = isSse ? undefined : declaredLength(started.headers['content-length']);
  reply.hijack();
  const res = reply.raw;
  const recordedHeaders = writeClientHead(res, call, started, stripUsage, scrubber, recorder !== undefined);
  const observer = isSse ? new StreamUsageObserver(call.endpoint, call.trace !== undefined) : undefined;
  if (observer) call.streamObserved = observer.observed;
  const sse = observer ? new SseRelay(observer, { stripUsage, scrubber, recorder }) : undefined;
  let received = 0;
  // The gateway's own time on the answer, once per call (periscope_proxy_relay_overhead_seconds).
  let relayTimed = false;
  const timeRelay = (since: number) => {
    if (relayTimed) return;
    relayTimed = true;
    deps.metrics.relayOverhead.observe((performance.now() - since) / 1000);
  };

  /** The stream's in-band error, if the provider sent one, goes into the event. */
  const logStream = () => {
    if (observer?.streamError !== undefined) {
      call.errorType = 'stream_error';
      call.errorMessage = observer.streamError;
    }
    deps.logCall(call);
  };

  // Not async: a chunk the client's socket takes at once (nearly all) costs no promise and no
  // turn of the microtask queue; only a full socket hands back the wait for it to drain.
  const relayChunk = (chunk: Buffer): Promise<void> | undefined => {
    const arrived = performance.now();
    if (call.ttftMs === null && isSse) call.ttftMs = Math.round(arrived - call.t0);
    call.response.add(chunk);
    const out = sse ? sse.push(chunk) : chunk;
    received += chunk.length;
    const completes = contentLength !== undefined && received >= contentLength;
    if (completes) deps.logCall(call);
    // A stream is complete for the client with its last event, whenever the provider closes:
    // logged before those bytes go out, so a crash or a client leaving after them keeps its row.
    else if (observer?.ended) logStream();
    const drained = out.length === 0 || res.write(out);
    if (isSse ? out.length > 0 : completes) timeRelay(arrived);
    return drained ? undefined : waitForDrainOrClose(res);
  };

  // Once, as the catch it replaces ran once; and it never throws: it runs in undici's callbacks,
  // where a throw would be an uncaught exception (helper-68). `failed`: the exchange failed (the
  // provider's connection, a timeout); `broke`: the relay's own code threw on the answer, which
  // is the gateway's fault, not the provider's (it was counted as an upstream error before).
  let failedOnce = false;
  const cut = (err: unknown, own: boolean) => {
    if (failedOnce || client.aborted) return;
    failedOnce = true;
    try {
      if (own) {
        deps.metrics.relayFailures.inc();
        reply.log.error({ err, request_id: call.requestId }, 'the relay failed on an answer it was relaying');
        call.errorType = 'internal_error';
        call.errorMessage = 'The gateway failed while relaying the answer and cut the connection.';
      } else {
        const { error, reason } = upstreamFailure(err, call.provider);
        deps.metrics.upstreamErrors.inc({ reason });
        call.errorType = error.code;
        call.errorMessage = error.message;
      }
      // Headers are gone: cutting the connection is the only honest signal left to the client.
      res.destroy();
    } catch (inner) {
      reply.log.error({ err: inner }, 'the relay could not cut an answer that failed');
    }
  };
  const failed = (err: unknown) => cut(err, false);
  const broke = (err: unknown) => cut(err, true);

  const ended = () => {
    try {
      const endedAt = performance.now();
      const tail = sse?.end();
      if (tail) res.write(tail);
      logStream();
      res.end();
      timeRelay(endedAt);
      if (recorder && recordedHeaders) recorder.ended(observer?.streamError === undefined, status, recordedHeaders, isSse).catch(broke);
    } catch (err) {
      broke(err);
    }
  };

  const relayTheRest = () => {
    try {
      relayRest(rest, res, relayChunk, ended, failed, broke);
    } catch (err) {
      broke(err);
    }
  };

  let waiting: Promise<void> | undefined;
  try {
    waiting = started.firstChunk ? relayChunk(started.firstChunk) : undefined;
  } catch (err) {
    broke(err);
    return;
  }
  if (waiting) waiting.then(relayTheRest, broke);
  else relayTheRest();
}

/**
 * Writes the client's head (the provider's headers, filtered and scrubbed, and the gateway's),
 * then lets go of the provider's, which an open stream's relay then keeps nowhere; the
 * client's copy is returned only for a recorder, which reads it again at the end.
 */
function writeClientHead(
  res: ServerResponse, call: CallRecord, started: StartedResponse, stripUsage: boolean,
  scrubber: ProviderKeyScrubber | undefined, record: boolean,
): OutgoingHttpHeaders | undefined {
  const headers = clientResponseHeaders(started.headers, stripUsage, scrubber);
  res.writeHead(started.status, responseHead(headers, routingHeaders(call)));
  if (started.isSse) flattenHead(res);
  releaseHeaders(started);
  return record ? headers : undefined;
}

/**
 * Relays the answer's chunks after the first as undici delivers them (UpstreamBody.pipeTo): no
 * promise per chunk. Calls `ended` at the answer's end, nothing when the client's response was
 * destroyed first (the answer is then not read further: the response's close handler records
 * the call), `failed` with the exchange's failure, `broke` with the relay's own.
 */
function relayRest(
  rest: UpstreamBody, res: ServerResponse, relayChunk: (chunk: Buffer) => Promise<void> | undefined,
  ended: () => void, failed: (err: Error) => void, broke: (err: Error) => void,
): void {
  if (res.destroyed) {
    void rest.return();
    return;
  }
  rest.pipeTo({
    data: (chunk) => {
      if (res.destroyed) {
        void rest.return();
        return undefined;
      }
      return relayChunk(chunk);
    },
    end: ended,
    fail: failed,
    broke,
  });
}

/**
 * Node keeps a response's head (`_header`) for the response's life, as it built it: a tree of
 * about 80 concatenated strings for a provider's headers and ours, about 2.5 KB of heap per open
 * stream. Reading a character makes V8 flatten the tree into one string in place.
 */
function flattenHead(res: ServerResponse): void {
  const head: unknown = Reflect.get(res, '_header');
  if (typeof head === 'string' && head.length > 0) head.charCodeAt(0);
}

function declaredLength(value: string | string[] | undefined): number | undefined {
  const n = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
