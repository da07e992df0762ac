import { boundedJson, parseRequestContent, responseContent } from './gen-ai-content.ts';
import {
  bool, double, FLAG_HAS_IS_REMOTE, FLAG_IS_REMOTE, FLAG_SAMPLED, int, SPAN_KIND_CLIENT, STATUS_ERROR, STATUS_UNSET, str, strs,
  type KeyValue, type OtlpSpan,
} from './otlp-model.ts';
import type { AttemptRecord, CallSpanRecord } from './span-record.ts';

export interface SpanBuildOptions {
  /** Bound of each content attribute in bytes; content is only present with capture_content on. */
  contentMaxBytes: number;
}

/** gen_ai.operation.name per endpoint; non-generation endpoints get descriptive custom values. */
const OPERATIONS: Record<string, string> = {
  'chat.completions': 'chat',
  messages: 'chat',
  responses: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  'messages.count_tokens': 'count_tokens',
  models: 'list_models',
  passthrough: 'passthrough',
};

/** Configured provider names the conventions list a gen_ai.provider.name for. */
const WELL_KNOWN_PROVIDERS: Record<string, string> = {
  groq: 'groq', deepseek: 'deepseek', mistral: 'mistral_ai', mistral_ai: 'mistral_ai', xai: 'x_ai', x_ai: 'x_ai',
  perplexity: 'perplexity', cohere: 'cohere', bedrock: 'aws.bedrock', vertex: 'gcp.vertex_ai',
};

/** The conventions' provider value: by the provider's type, else a well-known name, else its configured name. */
export function genAiProviderName(providerType: string, provider: string): string {
  switch (providerType) {
    case 'openai':
      return 'openai';
    case 'anthropic':
      return 'anthropic';
    case 'azure-openai':
      return 'azure.ai.openai';
    case 'gemini':
      return 'gcp.gemini';
    default:
      return WELL_KNOWN_PROVIDERS[provider] ?? (provider || 'unknown');
  }
}

interface Endpoint {
  url: string;
  address: string;
  port: number;
  path: string;
}

/** The URL without its query string (which may carry api versions or worse), and its server parts. */
function endpointOf(url: string): Endpoint | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { url: `${u.origin}${u.pathname}`, address: u.hostname, port, path: u.pathname };
  } catch {
    return undefined;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** gen_ai.request.* from the request body, in the conventions' types. */
function requestAttributes(params: Record<string, unknown>, endpoint: string): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [field, key] of [['temperature', 'temperature'], ['top_p', 'top_p'], ['top_k', 'top_k'], ['frequency_penalty', 'frequency_penalty'], ['presence_penalty', 'presence_penalty']] as const) {
    const v = num(params[field]);
    if (v !== undefined) out.push(double(`gen_ai.request.${key}`, v));
  }
  const maxTokens = num(params.max_tokens) ?? num(params.max_completion_tokens) ?? num(params.max_output_tokens);
  if (maxTokens !== undefined) out.push(int('gen_ai.request.max_tokens', maxTokens));
  const seed = num(params.seed);
  if (seed !== undefined && Number.isSafeInteger(seed)) out.push(int('gen_ai.request.seed', seed));
  const n = num(params.n);
  if (n !== undefined && n !== 1) out.push(int('gen_ai.request.choice.count', n));
  const stop = params.stop ?? params.stop_sequences;
  const stops = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string') : [];
  if (stops.length > 0) out.push(strs('gen_ai.request.stop_sequences', stops.slice(0, 16).map((s) => s.slice(0, 256))));
  const format = (params.response_format as { type?: unknown } | undefined)?.type
    ?? ((params.text as { format?: { type?: unknown } } | undefined)?.format?.type);
  if (typeof format === 'string') out.push(str('gen_ai.output.type', format === 'text' ? 'text' : 'json'));
  if (endpoint === 'embeddings') {
    if (typeof params.encoding_format === 'string') out.push(strs('gen_ai.request.encoding_formats', [params.encoding_format]));
    const dims = num(params.dimensions);
    if (dims !== undefined) out.push(int('gen_ai.embeddings.dimension.count', dims));
  }
  return out;
}

function contentAttributes(record: CallSpanRecord, maxBytes: number): KeyValue[] {
  const content = record.content;
  if (!content) return [];
  const out: KeyValue[] = [];
  let truncated = false;
  const put = (key: string, value: unknown[] | undefined) => {
    if (!value || value.length === 0) return;
    const bounded = boundedJson(value, maxBytes);
    truncated ||= bounded.truncated;
    out.push(str(key, bounded.json));
  };
  const request = content.request ? parseRequestContent(record.event.endpoint, content.request) : undefined;
  put('gen_ai.system_instructions', request?.system);
  put('gen_ai.input.messages', request?.input);
  put('gen_ai.output.messages', responseContent(record.event.endpoint, content.response, record.event.streamed));
  // A body stored cut short is no longer JSON: its content is left out rather than guessed.
  if ((content.request && !request) || content.requestTruncated || content.responseTruncated) truncated = true;
  if (truncated) out.push(bool('periscope.content.truncated', true));
  return out;
}

function callAttributes(record: CallSpanRecord, operation: string, providerName: string, served: Endpoint | undefined): KeyValue[] {
  const e = record.event;
  const a: KeyValue[] = [str('gen_ai.operation.name', operation), str('gen_ai.provider.name', providerName)];
  if (e.model) a.push(str('gen_ai.request.model', e.model));
  if (e.model_served) a.push(str('gen_ai.response.model', e.model_served));
  if (record.responseId) a.push(str('gen_ai.response.id', record.responseId));
  if (record.finishReasons.length > 0) a.push(strs('gen_ai.response.finish_reasons', record.finishReasons.slice(0, 128)));
  if (e.status >= 200 && e.status < 300 && (operation === 'chat' || operation === 'text_completion' || operation === 'embeddings')) {
    a.push(int('gen_ai.usage.input_tokens', e.prompt_tokens));
    if (operation !== 'embeddings') a.push(int('gen_ai.usage.output_tokens', e.completion_tokens));
  }
  if (e.cache_read_tokens > 0) a.push(int('gen_ai.usage.cache_read.input_tokens', e.cache_read_tokens));
  if (e.cache_write_tokens > 0) a.push(int('gen_ai.usage.cache_creation.input_tokens', e.cache_write_tokens));
  if (e.reasoning_tokens > 0) a.push(int('gen_ai.usage.reasoning.output_tokens', e.reasoning_tokens));
  if (e.session_id) a.push(str('gen_ai.conversation.id', e.session_id));
  if (served) a.push(str('server.address', served.address), int('server.port', served.port));
  if (e.error_type) a.push(str('error.type', e.error_type));
  a.push(...requestAttributes(record.params, e.endpoint));
  a.push(
    str('periscope.request_id', e.request_id),
    str('periscope.project_id', e.project_id),
    str('periscope.key_id', e.key_id),
    str('periscope.endpoint', e.endpoint),
    int('periscope.status_code', e.status),
    bool('periscope.streamed', e.streamed),
    double('periscope.cost_usd', e.cost_usd),
    bool('periscope.cost_known', e.cost_known),
    str('periscope.cache.status', e.cache_status),
    int('periscope.attempts', e.attempts),
  );
  if (e.provider) a.push(str('periscope.provider', e.provider));
  if (e.ttft_ms !== null) a.push(int('periscope.ttft_ms', e.ttft_ms));
  if (e.cost_saved_usd > 0) a.push(double('periscope.cost_saved_usd', e.cost_saved_usd));
  if (e.cache_source_request_id) a.push(str('periscope.cache.source_request_id', e.cache_source_request_id));
  if (e.fallback_model) a.push(str('periscope.fallback_model', e.fallback_model));
  if (e.user_id) a.push(str('periscope.user_id', e.user_id));
  if (e.session_id) a.push(str('periscope.session.id', e.session_id));
  if (e.session_path) a.push(str('periscope.session.path', e.session_path));
  if (e.session_name) a.push(str('periscope.session.name', e.session_name));
  if (e.upstream_request_id) a.push(str('periscope.upstream_request_id', e.upstream_request_id));
  if (e.prompt_cache_expected) a.push(bool('periscope.prompt_cache.hit', e.prompt_cache_hit));
  for (const [name, value] of Object.entries(e.properties)) a.push(str(`periscope.property.${name}`, value));
  return a;
}

/** first, failover (another deployment of the same model), retry (one tried before), fallback (another model). */
function attemptKind(attempts: AttemptRecord[], i: number): string {
  if (i === 0) return 'first';
  const a = attempts[i]!;
  if (a.model !== attempts[i - 1]!.model) return 'fallback';
  const tried = attempts.slice(0, i).some((b) => b.model === a.model && b.provider === a.provider && b.upstreamModel === a.upstreamModel);
  return tried ? 'retry' : 'failover';
}

function attemptSpan(record: CallSpanRecord, attempts: AttemptRecord[], i: number, flags: number): OtlpSpan {
  const a = attempts[i]!;
  const target = endpointOf(a.url);
  const attributes: KeyValue[] = [str('http.request.method', a.method)];
  if (target) attributes.push(str('url.full', target.url), str('server.address', target.address), int('server.port', target.port));
  if (a.status > 0) attributes.push(int('http.response.status_code', a.status));
  if (a.errorType) attributes.push(str('error.type', a.errorType));
  attributes.push(
    int('periscope.attempt.number', i + 1),
    str('periscope.attempt.kind', attemptKind(attempts, i)),
    str('periscope.provider', a.provider),
    str('periscope.attempt.model', a.model),
    str('periscope.attempt.upstream_model', a.upstreamModel),
  );
  return {
    traceId: record.traceId,
    spanId: a.spanId,
    parentSpanId: record.spanId,
    traceState: record.traceState,
    flags,
    name: target ? `${a.method} ${target.path}` : a.method,
    kind: SPAN_KIND_CLIENT,
    startMs: a.startMs,
    endMs: Math.max(a.startMs, a.endMs),
    attributes,
    status: a.errorType ? { code: STATUS_ERROR, message: '' } : { code: STATUS_UNSET, message: '' },
  };
}

/**
 * The call's spans: one CLIENT span named `{operation} {model}` with the GenAI attributes and
 * Periscope's own (periscope.*), and one child CLIENT span per upstream attempt, whose id is the
 * one the attempt carried upstream in traceparent.
 */
export function buildSpans(record: CallSpanRecord, opts: SpanBuildOptions): OtlpSpan[] {
  const e = record.event;
  const operation = OPERATIONS[e.endpoint] ?? e.endpoint;
  const served = endpointOf(record.attempts.at(-1)?.url ?? '');
  const failed = e.error_type !== '' || e.status >= 400;
  const callSpan: OtlpSpan = {
    traceId: record.traceId,
    spanId: record.spanId,
    parentSpanId: record.parentSpanId,
    traceState: record.traceState,
    flags: FLAG_SAMPLED | FLAG_HAS_IS_REMOTE | (record.parentSpanId ? FLAG_IS_REMOTE : 0),
    name: e.model ? `${operation} ${e.model}` : operation,
    kind: SPAN_KIND_CLIENT,
    startMs: record.startMs,
    endMs: Math.max(record.startMs, record.endMs),
    attributes: [...callAttributes(record, operation, genAiProviderName(record.providerType, e.provider), served), ...contentAttributes(record, opts.contentMaxBytes)],
    status: failed ? { code: STATUS_ERROR, message: e.error_message.slice(0, 1024) } : { code: STATUS_UNSET, message: '' },
  };
  const attemptFlags = FLAG_SAMPLED | FLAG_HAS_IS_REMOTE;
  return [callSpan, ...record.attempts.map((_, i) => attemptSpan(record, record.attempts, i, attemptFlags))];
}
