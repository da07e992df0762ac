import { quotingKey, scenarioError } from './errors.ts';
import type { Answer, AnswerRequest, ToolChoice, ToolSpec } from './generate.ts';
import { generatedText, newId, planAnswer } from './generate.ts';
import type { JsonObject } from './json.ts';
import { asArray, asObject, asString } from './json.ts';
import { reasoningTokensFor, servedModelFor } from './models.ts';
import { cachedPromptTokens } from './openai-wire.ts';
import type { GenerationContext, Reply } from './reply.ts';
import { nowSeconds } from './reply.ts';
import type { SseScript } from './sse.ts';
import { sseEvent } from './sse.ts';
import { countTokens, promptTextOf } from './tokens.ts';

function answerRequest(body: JsonObject): AnswerRequest {
  const tools: ToolSpec[] = [];
  for (const value of asArray(body.tools) ?? []) {
    const tool = asObject(value);
    const name = asString(tool?.name);
    if (tool?.type === 'function' && name !== undefined) tools.push({ name, schema: tool.parameters });
  }
  const choice = body.tool_choice;
  const named = asString(asObject(choice)?.name);
  const toolChoice: ToolChoice =
    choice === 'none' ? { kind: 'none' } : named !== undefined ? { kind: 'named', name: named } : { kind: 'auto' };
  const lastItem = asObject(asArray(body.input)?.at(-1));
  const format = asObject(asObject(body.text)?.format);
  return {
    tools,
    toolChoice,
    afterToolResult: lastItem?.type === 'function_call_output',
    json:
      format?.type === 'json_schema'
        ? { schema: format.schema }
        : format?.type === 'json_object'
          ? { schema: undefined }
          : undefined,
  };
}

/** The output item an answer becomes, before (`in_progress`) or after (`completed`) streaming. */
function outputItem(answer: Answer, ids: { item: string; call: string }, done: boolean): JsonObject {
  const status = done ? 'completed' : 'in_progress';
  const text = done ? answer.pieces.join('') : '';
  if (answer.kind === 'tool') {
    return { id: ids.item, type: 'function_call', status, arguments: text, call_id: ids.call, name: answer.name };
  }
  return { id: ids.item, type: 'message', status, content: done ? [textPart(text)] : [], role: 'assistant' };
}

function textPart(text: string): JsonObject {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

export function response(ctx: GenerationContext): Reply {
  const { body } = ctx;
  const prompt = promptTextOf(body);
  const inputTokens = countTokens(prompt);
  const model = servedModelFor(ctx.model);
  const answer = planAnswer(answerRequest(body), prompt, ctx.chunkCount, ctx.toolInputs, ctx.quotePrompt);
  const reasoningTokens = reasoningTokensFor(model);
  const outputTokens = countTokens(generatedText(answer)) + reasoningTokens;
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedPromptTokens(ctx, 'responses', prompt, inputTokens) },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  };
  const ids = { item: newId(answer.kind === 'tool' ? 'fc_' : 'msg_'), call: newId('call_') };
  const envelope = responseEnvelope(body, newId('resp_'), model);
  const completed = { ...envelope, status: 'completed', output: [outputItem(answer, ids, true)], usage };
  if (body.stream !== true) return { kind: 'json', promptTokens: inputTokens, body: completed };
  return { kind: 'sse', promptTokens: inputTokens, script: responseStream(envelope, completed, answer, ids, ctx.echoedKey) };
}

/** The response object's fields that don't change while it is generated, in the API's order. */
function responseEnvelope(body: JsonObject, id: string, model: string): JsonObject {
  return {
    id,
    object: 'response',
    created_at: nowSeconds(),
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: asObject(body.reasoning)?.effort ?? null, summary: null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: asObject(asObject(body.text)?.format) ?? { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: null,
    user: null,
    metadata: body.metadata ?? {},
  };
}

function responseStream(envelope: JsonObject, completed: JsonObject, answer: Answer, ids: { item: string; call: string }, echoedKey: string | undefined): SseScript {
  const frames: string[] = [];
  const emit = (type: string, payload: JsonObject): void => {
    frames.push(sseEvent(type, { type, sequence_number: frames.length, ...payload }));
  };
  const at = { item_id: ids.item, output_index: 0 };
  const text = answer.pieces.join('');

  emit('response.created', { response: envelope });
  emit('response.in_progress', { response: envelope });
  emit('response.output_item.added', { output_index: 0, item: outputItem(answer, ids, false) });
  if (answer.kind === 'tool') {
    for (const delta of answer.pieces) emit('response.function_call_arguments.delta', { ...at, delta });
    emit('response.function_call_arguments.done', { ...at, name: answer.name, arguments: text });
  } else {
    emit('response.content_part.added', { ...at, content_index: 0, part: textPart('') });
    for (const delta of answer.pieces) emit('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
    emit('response.output_text.done', { ...at, content_index: 0, text, logprobs: [] });
    emit('response.content_part.done', { ...at, content_index: 0, part: textPart(text) });
  }
  emit('response.output_item.done', { output_index: 0, item: outputItem(answer, ids, true) });
  emit('response.completed', { response: completed });

  const firstDelta = answer.kind === 'tool' ? 3 : 4;
  const error = quotingKey(scenarioError(500, String(envelope.model)), echoedKey).openai;
  const failed = { ...envelope, status: 'failed', error: { code: 'server_error', message: error.message } };
  const failure = sseEvent('response.failed', { type: 'response.failed', sequence_number: firstDelta + 1, response: failed });
  return { frames, firstDelta, failure };
}
