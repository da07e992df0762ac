import type { CacheAccounting } from './anthropic-prompt-cache.ts';
import type { MockError } from './errors.ts';
import { quotingKey, scenarioError } from './errors.ts';
import type { AnswerRequest, ToolChoice, ToolSpec } from './generate.ts';
import { newId, planAnswer } from './generate.ts';
import type { JsonObject } from './json.ts';
import { asArray, asObject, asString } from './json.ts';
import { ANTHROPIC_MODELS } from './models.ts';
import type { GenerationContext, Reply } from './reply.ts';
import type { SseScript } from './sse.ts';
import { sseEvent } from './sse.ts';
import type { PromptSegment } from './tokens.ts';
import { countTokens, joinSegments, promptSegments } from './tokens.ts';

export function anthropicErrorBody(error: MockError, requestId: string): unknown {
  return { type: 'error', error: error.anthropic, request_id: requestId };
}

/** Seconds-precision RFC 3339, as in Anthropic's `*-reset` headers. */
function resetAt(): string {
  return new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The headers api.anthropic.com sends on every response, rate limits included. */
export function anthropicHeaders(requestId: string, promptTokens: number, rateLimited: boolean): Record<string, string> {
  const reset = resetAt();
  return {
    'request-id': requestId,
    'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
    'anthropic-ratelimit-requests-limit': '4000',
    'anthropic-ratelimit-requests-remaining': rateLimited ? '0' : '3999',
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': '2000000',
    'anthropic-ratelimit-tokens-remaining': String(2_000_000 - promptTokens),
    'anthropic-ratelimit-tokens-reset': reset,
    'anthropic-ratelimit-input-tokens-limit': '2000000',
    'anthropic-ratelimit-input-tokens-remaining': String(2_000_000 - promptTokens),
    'anthropic-ratelimit-input-tokens-reset': reset,
  };
}

/**
 * Prompt caching as Anthropic reports it: the text up to the last `cache_control` breakpoint is
 * the cacheable prefix; the first request with that prefix writes it, later ones read it, and
 * `input_tokens` counts only what lies after the prefix.
 */
function inputUsage(segments: readonly PromptSegment[], ctx: GenerationContext): CacheAccounting {
  const total = countTokens(joinSegments(segments));
  const lastBreakpoint = segments.findLastIndex((segment) => segment.cacheBreakpoint);
  const prefix = lastBreakpoint < 0 ? '' : joinSegments(segments.slice(0, lastBreakpoint + 1));
  const cacheable = countTokens(prefix);
  const read = cacheable > 0 && ctx.memory.recall('anthropic', prefix);
  const written = read ? 0 : cacheable;
  return {
    input_tokens: total - cacheable,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read ? cacheable : 0,
    cache_creation: { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 },
  };
}

function answerRequest(body: JsonObject): AnswerRequest {
  const tools: ToolSpec[] = [];
  for (const value of asArray(body.tools) ?? []) {
    const tool = asObject(value);
    const name = asString(tool?.name);
    // Server tools (web search, code execution) have no input_schema; the client can't run them.
    if (name !== undefined && tool?.input_schema !== undefined) tools.push({ name, schema: tool.input_schema });
  }
  const choice = asObject(body.tool_choice);
  const named = choice?.type === 'tool' ? asString(choice.name) : undefined;
  const toolChoice: ToolChoice =
    choice?.type === 'none' ? { kind: 'none' } : named !== undefined ? { kind: 'named', name: named } : { kind: 'auto' };
  const last = asObject(asArray(body.messages)?.at(-1));
  const afterToolResult = (asArray(last?.content) ?? []).some((part) => asObject(part)?.type === 'tool_result');
  // Structured outputs: `output_config.format`, formerly the beta's top-level `output_format`.
  const format = asObject(asObject(body.output_config)?.format) ?? asObject(body.output_format);
  return { tools, toolChoice, afterToolResult, json: format?.type === 'json_schema' ? { schema: format.schema } : undefined };
}

/**
 * Claude writes a sentence before calling a tool, so a tool answer is two blocks (text at
 * index 0, tool_use at 1); output tokens count that sentence, the tool name and the input JSON.
 */
export function message(ctx: GenerationContext): Reply {
  const segments = promptSegments(ctx.body);
  const input = ctx.anthropicCache ? ctx.anthropicCache.account(ctx.model, segments) : inputUsage(segments, ctx);
  const promptText = joinSegments(segments);
  const answer = planAnswer(answerRequest(ctx.body), promptText, ctx.chunkCount, ctx.toolInputs, ctx.quotePrompt);
  const output = answer.pieces.join('');
  const preamble = answer.kind === 'tool' ? `Calling ${answer.name}.` : '';
  const outputTokens = countTokens(answer.kind === 'tool' ? preamble + answer.name + output : output);
  const usage = { ...input, output_tokens: outputTokens, service_tier: 'standard' };
  const stopReason = answer.kind === 'tool' ? 'tool_use' : 'end_turn';
  const toolUseId = newId('toolu_01');
  const head = { id: newId('msg_01'), type: 'message', role: 'assistant', model: ctx.model };
  const promptTokens = input.input_tokens + input.cache_creation_input_tokens + input.cache_read_input_tokens;

  if (ctx.body.stream !== true) {
    const content =
      answer.kind === 'tool'
        ? [
            { type: 'text', text: preamble },
            { type: 'tool_use', id: toolUseId, name: answer.name, input: JSON.parse(output) as unknown },
          ]
        : [{ type: 'text', text: output }];
    return { kind: 'json', promptTokens, body: { ...head, content, stop_reason: stopReason, stop_sequence: null, usage } };
  }

  const frames: string[] = [];
  const emit = (type: string, payload: JsonObject): void => {
    frames.push(sseEvent(type, { type, ...payload }));
  };
  // message_start reports the input side in full and output_tokens 1; message_delta the final output.
  emit('message_start', { message: { ...head, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  emit('ping', {});
  for (const text of answer.kind === 'tool' ? [preamble] : answer.pieces) {
    emit('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  }
  emit('content_block_stop', { index: 0 });
  if (answer.kind === 'tool') {
    emit('content_block_start', { index: 1, content_block: { type: 'tool_use', id: toolUseId, name: answer.name, input: {} } });
    for (const partial_json of answer.pieces) {
      emit('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json } });
    }
    emit('content_block_stop', { index: 1 });
  }
  emit('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  emit('message_stop', {});
  // Anthropic reports a failure after the stream started as an `error` event: the 529 body's shape, in the stream.
  const failure = sseEvent('error', anthropicErrorBody(quotingKey(scenarioError(529, ctx.model), ctx.echoedKey), ctx.requestId));
  const script: SseScript = { frames, firstDelta: 3, failure };
  return { kind: 'sse', promptTokens, script };
}

export function countMessageTokens(ctx: GenerationContext): Reply {
  const inputTokens = countTokens(joinSegments(promptSegments(ctx.body)));
  return { kind: 'json', promptTokens: inputTokens, body: { input_tokens: inputTokens } };
}

export function anthropicModels(): Reply {
  const data = ANTHROPIC_MODELS.map((model) => ({ type: 'model', ...model }));
  const body = { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  return { kind: 'json', promptTokens: 0, body };
}
