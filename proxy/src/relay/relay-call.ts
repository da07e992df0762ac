import type { FastifyReply, FastifyRequest } from 'fastify';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { CallRecord } from '../call-record.ts';
import type { PeriscopeConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { adapterFor } from '../providers/registry.ts';
import type { Endpoint } from '../providers/types.ts';
import { resolveProvider } from '../routing/resolve-provider.ts';
import { expectsJsonBody } from '../routing/endpoint.ts';
import { StreamUsageObserver } from '../usage/stream-observer.ts';
import { SseFramer } from './sse.ts';
import { clientResponseHeaders, planUpstreamHeaders } from './upstream-headers.ts';
import { upstreamFailure } from './upstream-error.ts';
import type { ProxyMetrics } from '../metrics.ts';

export interface RelayDeps {
  config: PeriscopeConfig;
  dispatcher: Dispatcher;
  metrics: ProxyMetrics;
}

interface ParsedBody {
  json: Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
}

function parseJsonBody(request: FastifyRequest, endpoint: Endpoint): ParsedBody {
  const raw = request.body as Buffer | undefined;
  if (!expectsJsonBody(endpoint)) return { json: undefined, model: undefined, stream: false };
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new GatewayError('unsupported_media_type', `Expected Content-Type: application/json, got "${type || 'none'}".`);
  }
  if (!raw || raw.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; expected a JSON object.');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new GatewayError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const body = json as Record<string, unknown>;
  if (body.model !== undefined && typeof body.model !== 'string') {
    throw new GatewayError('invalid_request', '"model" must be a string.', 'model');
  }
  return { json: body, model: body.model as string | undefined, stream: body.stream === true };
}

function wantsInjectedUsage(endpoint: Endpoint, body: ParsedBody, dialectIsOpenAi: boolean, enabled: boolean): boolean {
  if (!enabled || !dialectIsOpenAi || !body.stream || !body.json) return false;
  if (endpoint !== 'chat.completions' && endpoint !== 'completions') return false;
  const opts = body.json.stream_options as Record<string, unknown> | undefined;
  return opts?.include_usage !== true;
}

/** Adds `field` as the last member of the JSON object in `raw` (known to be an object with members). */
function appendJsonField(raw: Buffer, field: string): Buffer {
  const end = raw.lastIndexOf(0x7d); // '}'
  return Buffer.concat([raw.subarray(0, end), Buffer.from(`,${field}`), raw.subarray(end)]);
}

/** The usage-only chunk OpenAI appends when include_usage is on: no choices, a usage block. */
function isUsageOnlyChunk(json: Record<string, unknown> | undefined): boolean {
  return !!json && Array.isArray(json.choices) && json.choices.length === 0 && !!json.usage;
}

function waitForDrainOrClose(res: NodeJS.WritableStream & { once: (e: string, f: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });
}

/**
 * Relays one authenticated call: picks the provider, sends the request upstream, and streams
 * the answer back byte for byte (event for event when a usage chunk must be hidden) while
 * recording what the event needs. Errors before the upstream answered are thrown to the
 * plugin's error handler; failures mid-body cut the connection, as the provider's would.
 */
export async function relayCall(
  request: FastifyRequest,
  reply: FastifyReply,
  call: CallRecord,
  prefix: string | undefined,
  apiPath: string,
  deps: RelayDeps,
  abort: AbortController,
): Promise<void> {
  const body = parseJsonBody(request, call.endpoint);
  call.model = body.model ?? '';
  call.streamed = body.stream;
  const resolved = resolveProvider(deps.config, prefix, body.model, call.meta.provider, call.endpoint);
  const adapter = adapterFor(resolved.config.type);
  call.provider = resolved.name;
  call.providerType = resolved.config.type;

  const inject = wantsInjectedUsage(call.endpoint, body, adapter.dialect === 'openai', resolved.config.inject_stream_usage);
  let upstreamBody = request.body as Buffer | undefined;
  const renamed = resolved.upstreamModel !== undefined && resolved.upstreamModel !== body.model;
  if (inject && !renamed && upstreamBody && body.json && !('stream_options' in body.json)) {
    // Spliced into the original text: re-serialising would round 64-bit integers (a `seed`,
    // say) and cost a full JSON.stringify of the body.
    upstreamBody = appendJsonField(upstreamBody, '"stream_options":{"include_usage":true}');
  } else if (body.json && (inject || renamed)) {
    const rewritten: Record<string, unknown> = { ...body.json };
    if (resolved.upstreamModel) rewritten.model = resolved.upstreamModel;
    if (inject) rewritten.stream_options = { ...(body.json.stream_options as object | undefined), include_usage: true };
    upstreamBody = Buffer.from(JSON.stringify(rewritten));
  }

  const configuredAuth = resolved.config.api_key ? adapter.authHeaders(resolved.config.api_key) : undefined;
  const plan = planUpstreamHeaders(request.headers, configuredAuth, resolved.viaAlias);
  if (resolved.config.api_key) call.secrets.push(resolved.config.api_key);
  if (upstreamBody && upstreamBody.length > 0) plan.headers['content-length'] = String(upstreamBody.length);
  const url = adapter.upstreamUrl(resolved.config, apiPath, resolved.upstreamModel ?? body.model);
  const timeouts = deps.config.gateway.timeouts;
  deps.metrics.overhead.observe((performance.now() - call.t0) / 1000);

  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await undiciRequest(url, {
      method: request.method as Dispatcher.HttpMethod,
      headers: plan.headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : upstreamBody,
      signal: abort.signal,
      dispatcher: deps.dispatcher,
      headersTimeout: timeouts.headers_ms,
      bodyTimeout: timeouts.idle_body_ms,
    });
  } catch (err) {
    if (abort.signal.aborted) {
      reply.hijack(); // the client left; nothing to send, and the close handler records it
      return;
    }
    const { error, reason } = upstreamFailure(err, resolved.name);
    deps.metrics.upstreamErrors.inc({ reason });
    throw error;
  }

  call.status = upstream.statusCode;
  const rid = upstream.headers['x-request-id'] ?? upstream.headers['request-id'];
  call.upstreamRequestId = (Array.isArray(rid) ? rid[0] : rid) ?? '';
  const contentType = String(upstream.headers['content-type'] ?? '');
  const isSse = contentType.startsWith('text/event-stream');
  call.streamed = isSse;
  const stripUsage = isSse && inject;
  // Only complete JSON answers are parsed for usage; of anything else just the stored part is kept.
  if (isSse || call.endpoint === 'passthrough' || call.endpoint === 'models') {
    call.response.limit = deps.config.logging.max_stored_body_bytes;
  }

  reply.hijack();
  const res = reply.raw;
  res.writeHead(upstream.statusCode, {
    ...clientResponseHeaders(upstream.headers, stripUsage),
    'periscope-request-id': call.requestId,
    'periscope-provider': resolved.name,
  });
  const observer = isSse ? new StreamUsageObserver(call.endpoint) : undefined;
  if (observer) call.streamObserved = observer.observed;
  const framer = isSse ? new SseFramer() : undefined;
  const decoder = new TextDecoder();

  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      if (call.ttftMs === null && isSse) call.ttftMs = Math.round(performance.now() - call.t0);
      call.response.add(chunk);
      let out: Buffer | string = chunk;
      if (framer && observer) {
        const events = framer.push(decoder.decode(chunk, { stream: true }));
        if (stripUsage) {
          out = '';
          for (const e of events) if (!isUsageOnlyChunk(observer.onData(e.data))) out += e.raw;
        } else {
          for (const e of events) observer.onData(e.data);
        }
      }
      if (out.length > 0 && !res.write(out)) await waitForDrainOrClose(res);
      if (res.destroyed) return;
    }
    const tail = framer?.flush();
    if (tail && observer) {
      const json = observer.onData(tail.data);
      if (stripUsage && !isUsageOnlyChunk(json)) res.write(tail.raw);
    }
    res.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    const { error, reason } = upstreamFailure(err, resolved.name);
    deps.metrics.upstreamErrors.inc({ reason });
    call.errorType = error.code;
    call.errorMessage = error.message;
    // Headers are gone: cutting the connection is the only honest signal left to the client.
    res.destroy();
  }
}
