import type { MockError } from './errors.ts';
import { quotingKey, scenarioError } from './errors.ts';
import type { Answer, AnswerRequest, ToolChoice, ToolSpec } from './generate.ts';
import { generatedText, newId, planAnswer, replyPieces } from './generate.ts';
import type { JsonObject } from './json.ts';
import { asArray, asObject, asString } from './json.ts';
import { embeddingDimensionsFor, OPENAI_MODEL_IDS, reasoningTokensFor, servedModelFor } from './models.ts';
import type { GenerationContext, Reply } from './reply.ts';
import { nowSeconds } from './reply.ts';
import type { SseScript } from './sse.ts';
import { SSE_DONE, sseData } from './sse.ts';
import { countTokens, fnv1a, promptTextOf } from './tokens.ts';

const SYSTEM_FINGERPRINT = 'fp_mock7c4e2a';

export function openaiErrorBody(error: MockError): unknown {
  return { error: error.openai };
}

/** The headers api.openai.com sends on every response, rate limits included. */
export function openaiHeaders(
  requestId: string,
  processingMs: number,
  promptTokens: number,
  rateLimited: boolean,
): Record<string, string> {
  return {
    'x-request-id': requestId,
    'openai-organization': 'org-mock',
    'openai-processing-ms': String(processingMs),
    'openai-version': '2020-10-01',
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-limit-tokens': '10000000',
    'x-ratelimit-remaining-requests': rateLimited ? '0' : '9999',
    'x-ratelimit-remaining-tokens': String(10_000_000 - promptTokens),
    'x-ratelimit-reset-requests': rateLimited ? '7s' : '6ms',
    'x-ratelimit-reset-tokens': '0s',
  };
}

/**
 * OpenAI reports cached prompt tokens automatically; the mock does so when it has served the
 * same prompt before, as half of it (rounded down), so tests can provoke and predict it.
 */
export function cachedPromptTokens(ctx: GenerationContext, scope: string, promptText: string, promptTokens: number): number {
  return ctx.memory.recall(scope, promptText) ? Math.floor(promptTokens / 2) : 0;
}

// Azure runs content filters and reports them on every completion; clients must tolerate them.
const FILTER_RESULTS = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];

function chatAnswerRequest(body: JsonObject): AnswerRequest {
  const tools: ToolSpec[] = [];
  for (const value of asArray(body.tools) ?? []) {
    const fn = asObject(asObject(value)?.function);
    const name = asString(fn?.name);
    if (name !== undefined) tools.push({ name, schema: fn?.parameters });
  }
  const choice = body.tool_choice;
  const named = asString(asObject(asObject(choice)?.function)?.name);
  const toolChoice: ToolChoice =
    choice === 'none' ? { kind: 'none' } : named !== undefined ? { kind: 'named', name: named } : { kind: 'auto' };
  const messages = asArray(body.messages) ?? [];
  const format = asObject(body.response_format);
  return {
    tools,
    toolChoice,
    afterToolResult: asObject(messages.at(-1))?.role === 'tool',
    json:
      format?.type === 'json_schema'
        ? { schema: asObject(format.json_schema)?.schema }
        : format?.type === 'json_object'
          ? { schema: undefined }
          : undefined,
  };
}

export function chatCompletion(ctx: GenerationContext): Reply {
  const prompt = promptTextOf(ctx.body);
  const promptTokens = countTokens(prompt);
  const model = servedModelFor(ctx.model);
  const answer = planAnswer(chatAnswerRequest(ctx.body), prompt, ctx.chunkCount, ctx.toolInputs, ctx.quotePrompt);
  const reasoningTokens = reasoningTokensFor(model);
  const completionTokens = countTokens(generatedText(answer)) + reasoningTokens;
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedPromptTokens(ctx, 'chat', prompt, promptTokens), audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const head = { id: newId('chatcmpl-'), created: nowSeconds(), model };
  const callId = newId('call_');
  if (ctx.body.stream === true) {
    const includeUsage = asObject(ctx.body.stream_options)?.include_usage === true;
    return { kind: 'sse', script: chatStream(ctx, head, answer, callId, includeUsage ? usage : undefined), promptTokens };
  }
  const content = answer.pieces.join('');
  const message =
    answer.kind === 'tool'
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: callId, type: 'function', function: { name: answer.name, arguments: content } }],
          refusal: null,
          annotations: [],
        }
      : { role: 'assistant', content, refusal: null, annotations: [] };
  const choice = {
    index: 0,
    message,
    logprobs: null,
    finish_reason: answer.kind === 'tool' ? 'tool_calls' : 'stop',
    ...(ctx.azure ? { content_filter_results: FILTER_RESULTS } : {}),
  };
  return {
    kind: 'json',
    promptTokens,
    body: {
      id: head.id,
      object: 'chat.completion',
      created: head.created,
      model: head.model,
      choices: [choice],
      usage,
      service_tier: 'default',
      system_fingerprint: SYSTEM_FINGERPRINT,
      ...(ctx.azure ? { prompt_filter_results: PROMPT_FILTER_RESULTS } : {}),
    },
  };
}

function chatStream(
  ctx: GenerationContext,
  head: { id: string; created: number; model: string },
  answer: Answer,
  callId: string,
  usage: unknown,
): SseScript {
  const base = {
    id: head.id,
    object: 'chat.completion.chunk',
    created: head.created,
    model: head.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  // With include_usage every chunk carries `usage: null` until the final usage chunk.
  const tail = usage === undefined ? {} : { usage: null };
  const chunk = (delta: unknown, finishReason: string | null): string =>
    sseData({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...tail });

  const frames: string[] = [];
  if (ctx.azure) {
    // Azure's first chunk holds only the prompt filter results, with empty identity fields.
    frames.push(sseData({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS }));
  }
  if (answer.kind === 'tool') {
    const call = { index: 0, id: callId, type: 'function', function: { name: answer.name, arguments: '' } };
    frames.push(chunk({ role: 'assistant', content: null, tool_calls: [call], refusal: null }, null));
  } else {
    frames.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
  }
  const firstDelta = frames.length;
  for (const piece of answer.pieces) {
    const delta = answer.kind === 'tool' ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece };
    frames.push(chunk(delta, null));
  }
  frames.push(chunk({}, answer.kind === 'tool' ? 'tool_calls' : 'stop'));
  if (usage !== undefined) frames.push(sseData({ ...base, choices: [], usage }));
  frames.push(SSE_DONE);
  return { frames, firstDelta, failure: sseData(openaiErrorBody(quotingKey(scenarioError(500, head.model), ctx.echoedKey))) };
}

/** The legacy /v1/completions endpoint: same token rules, `text` instead of messages. */
export function textCompletion(ctx: GenerationContext): Reply {
  const prompt = promptTextOf(ctx.body);
  const promptTokens = countTokens(prompt);
  const model = servedModelFor(ctx.model);
  const pieces = replyPieces(prompt, ctx.chunkCount);
  const text = pieces.join('');
  const completionTokens = countTokens(text);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const base = { id: newId('cmpl-'), object: 'text_completion', created: nowSeconds(), model };
  const choice = (piece: string, finishReason: string | null) => ({
    text: piece,
    index: 0,
    logprobs: null,
    finish_reason: finishReason,
  });
  if (ctx.body.stream !== true) {
    const body = { ...base, choices: [choice(text, 'stop')], usage, system_fingerprint: SYSTEM_FINGERPRINT };
    return { kind: 'json', promptTokens, body };
  }
  const frames = pieces.map((piece) => sseData({ ...base, choices: [choice(piece, null)] }));
  frames.push(sseData({ ...base, choices: [choice('', 'stop')] }));
  if (asObject(ctx.body.stream_options)?.include_usage === true) frames.push(sseData({ ...base, choices: [], usage }));
  frames.push(SSE_DONE);
  const failure = sseData(openaiErrorBody(quotingKey(scenarioError(500, model), ctx.echoedKey)));
  return { kind: 'sse', promptTokens, script: { frames, firstDelta: 0, failure } };
}

/**
 * Deterministic unit vectors seeded by the input text: equal texts embed equally, different
 * texts come out nearly orthogonal. Token arrays count one token per element.
 */
export function embeddings(ctx: GenerationContext): Reply {
  const raw = ctx.body.input;
  const inputs: unknown[] = Array.isArray(raw) && raw.length > 0 && typeof raw[0] !== 'number' ? raw : [raw];
  const dimensions = typeof ctx.body.dimensions === 'number' ? ctx.body.dimensions : embeddingDimensionsFor(ctx.model);
  const base64 = ctx.body.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    promptTokens += typeof input === 'string' ? countTokens(input) : (asArray(input)?.length ?? 0);
    const vector = unitVector(text, dimensions);
    const embedding = base64
      ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
      : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
  return { kind: 'json', promptTokens, body: { object: 'list', data, model: servedModelFor(ctx.model), usage } };
}

function unitVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let state = fnv1a(text) || 1;
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // xorshift32: a fast, seedable sequence; the values only need to be stable per text.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const value = (state >>> 0) / 0x80000000 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

export function openaiModels(): Reply {
  const data = OPENAI_MODEL_IDS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' }));
  return { kind: 'json', promptTokens: 0, body: { object: 'list', data } };
}
