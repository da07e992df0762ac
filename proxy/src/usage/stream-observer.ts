import type { Endpoint } from '../providers/types.ts';
import {
  emptyUsage, fromAnthropicUsage, fromOpenAiUsage, fromResponsesUsage, jsonObject, responsesFinishReason, type Observed,
} from './usage.ts';

/** A usage key holding an object (OpenAI sends `"usage":null` in every chunk until the last). */
const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/**
 * Watches the events of a streamed response and keeps the usage and served model.
 * OpenAI chat/completions send usage in a final chunk (when include_usage is on); the
 * Responses API in `response.completed`; Anthropic splits it over `message_start` (input
 * and cache counts) and `message_delta` (cumulative output count).
 */
export class StreamUsageObserver {
  readonly observed: Observed = { usage: emptyUsage(), sawUsage: false, model_served: '' };
  /** The message of an error the provider sent inside the stream (after a 200), if any. */
  streamError: string | undefined;
  /**
   * The stream's last event passed (`[DONE]`, `message_stop`, the Responses API's final
   * `response.*`): the client has its whole answer, whether or not the provider closes.
   */
  ended = false;
  private readonly endpoint: Endpoint;
  /** Traced calls also keep the response id and finish reasons (see otel/). */
  private readonly withResponseMeta: boolean;

  constructor(endpoint: Endpoint, withResponseMeta = false) {
    this.endpoint = endpoint;
    this.withResponseMeta = withResponseMeta;
  }

  private finishedWith(reason: unknown): void {
    if (typeof reason === 'string') (this.observed.finish_reasons ??= []).push(reason);
  }

  /**
   * Feeds one SSE `data:` payload when nothing else needs its JSON: a payload that cannot change
   * what is observed is not parsed. Most of a stream's events are its text arriving, and parsing
   * each was the largest share of the gateway's own time on a stream (docs/benchmarks.md).
   */
  observe(data: string): void {
    if (this.mayMatter(data)) this.onData(data);
    else if (data === '[DONE]') this.ended = true;
  }

  /**
   * False only when the payload certainly holds nothing onData reads. A key, or an event type's
   * value, is matched with its quotes: inside a string value a quote is escaped, so a string can
   * match only where it ends (an extra parse, never a missed key); a payload with a `\u` escape,
   * which could spell a key, is always parsed. The ends of Anthropic's and the Responses API's
   * streams are parsed too, so that only their `type` ends a stream, as it does in onData.
   */
  private mayMatter(data: string): boolean {
    if (this.withResponseMeta || data.includes('"error"') || data.includes('\\u')) return true;
    switch (this.endpoint) {
      case 'messages':
        return data.includes('"message_start"') || data.includes('"message_delta"') || data.includes('"message_stop"');
      case 'responses':
        return data.includes('"response"') || data.includes('"response.completed"') || data.includes('"response.incomplete"') || data.includes('"response.failed"');
      default:
        return !this.observed.model_served || USAGE_OBJECT.test(data);
    }
  }

  /** Feeds one SSE `data:` payload; returns the parsed JSON so the relay can reuse it. */
  onData(data: string): Record<string, unknown> | undefined {
    if (data === '[DONE]') this.ended = true;
    if (data === '[DONE]' || data.length === 0) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return undefined;
    }
    const json = jsonObject(parsed);
    if (!json) return undefined;
    // OpenAI: `{"error": {...}}`; Anthropic and the Responses API: `{"type": "error", "error": {...}}`.
    const error = jsonObject(json.error);
    if (error && this.streamError === undefined) this.streamError = typeof error.message === 'string' ? error.message : JSON.stringify(error);
    switch (this.endpoint) {
      case 'messages':
        this.onAnthropic(json);
        break;
      case 'responses':
        this.onResponses(json);
        break;
      default:
        this.onOpenAiChunk(json);
    }
    return json;
  }

  private onOpenAiChunk(json: Record<string, unknown>): void {
    if (!this.observed.model_served && typeof json.model === 'string') this.observed.model_served = json.model;
    if (this.withResponseMeta) {
      if (this.observed.response_id === undefined && typeof json.id === 'string') this.observed.response_id = json.id;
      if (Array.isArray(json.choices)) for (const choice of json.choices) this.finishedWith(jsonObject(choice)?.finish_reason);
    }
    const u = jsonObject(json.usage);
    if (u) {
      this.observed.usage = fromOpenAiUsage(u);
      this.observed.sawUsage = true;
    }
  }

  private onResponses(json: Record<string, unknown>): void {
    if (json.type === 'response.completed' || json.type === 'response.incomplete' || json.type === 'response.failed') this.ended = true;
    const response = jsonObject(json.response);
    if (!response) return;
    if (typeof response.model === 'string') this.observed.model_served = response.model;
    if (this.withResponseMeta) {
      if (typeof response.id === 'string') this.observed.response_id = response.id;
      const type = json.type;
      if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') this.finishedWith(responsesFinishReason(response));
    }
    const u = jsonObject(response.usage);
    if (u) {
      this.observed.usage = fromResponsesUsage(u);
      this.observed.sawUsage = true;
    }
  }

  private onAnthropic(json: Record<string, unknown>): void {
    if (json.type === 'message_stop') this.ended = true;
    else if (json.type === 'message_start') {
      const message = jsonObject(json.message);
      if (typeof message?.model === 'string') this.observed.model_served = message.model;
      if (this.withResponseMeta && typeof message?.id === 'string') this.observed.response_id = message.id;
      const u = jsonObject(message?.usage);
      if (u) {
        this.observed.usage = fromAnthropicUsage(u);
        this.observed.sawUsage = true;
      }
    } else if (json.type === 'message_delta') {
      if (this.withResponseMeta) this.finishedWith(jsonObject(json.delta)?.stop_reason);
      const u = jsonObject(json.usage);
      if (!u) return;
      // message_delta carries the cumulative output count, and (in newer API versions)
      // may repeat input counts; a count it omits keeps its message_start value.
      const delta = fromAnthropicUsage(u);
      const current = this.observed.usage;
      const hasInput = 'input_tokens' in u || 'cache_read_input_tokens' in u || 'cache_creation_input_tokens' in u;
      this.observed.usage = {
        prompt_tokens: hasInput ? Math.max(current.prompt_tokens, delta.prompt_tokens) : current.prompt_tokens,
        completion_tokens: delta.completion_tokens || current.completion_tokens,
        cache_read_tokens: Math.max(current.cache_read_tokens, delta.cache_read_tokens),
        cache_write_tokens: Math.max(current.cache_write_tokens, delta.cache_write_tokens),
        reasoning_tokens: 0,
      };
      const write1h = Math.max(current.cache_write_1h_tokens ?? 0, delta.cache_write_1h_tokens ?? 0);
      if (write1h > 0) this.observed.usage.cache_write_1h_tokens = write1h;
      this.observed.sawUsage = true;
    }
  }
}
