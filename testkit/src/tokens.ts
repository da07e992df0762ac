import type { JsonObject } from './json.ts';
import { asArray, asObject, asString } from './json.ts';

/**
 * The mock's tokenizer: one token per 4 characters, rounded up. It is crude on purpose, so a
 * test can predict every usage number from the text it sent and the text it got back.
 */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** One unit of prompt text, and whether an Anthropic `cache_control` breakpoint closes it. */
export interface PromptSegment {
  text: string;
  cacheBreakpoint: boolean;
  /** The breakpoint's `ttl` when it asks for one hour. */
  cacheTtl?: '1h';
}

/** The segment for a tool or content block, with its breakpoint (if any) and the breakpoint's TTL. */
function segment(text: string, block: JsonObject): PromptSegment {
  const control = asObject(block.cache_control);
  return control?.ttl === '1h' ? { text, cacheBreakpoint: true, cacheTtl: '1h' } : { text, cacheBreakpoint: block.cache_control != null };
}

/**
 * The prompt of any endpoint's request body, in provider order (tools, system, messages).
 * Field names don't collide across the APIs, so one walk serves chat, completions, embeddings,
 * responses and Anthropic messages alike.
 */
export function promptSegments(body: JsonObject): PromptSegment[] {
  const segments: PromptSegment[] = [];
  for (const tool of asArray(body.tools) ?? []) pushTool(segments, tool);
  pushContent(segments, body.system);
  pushContent(segments, body.instructions);
  for (const message of asArray(body.messages) ?? []) pushItem(segments, message);
  pushInput(segments, body.prompt);
  pushInput(segments, body.input);
  return segments;
}

export function joinSegments(segments: readonly PromptSegment[]): string {
  return segments.map((segment) => segment.text).join('\n');
}

/** The text `countTokens` measures for a request's prompt tokens. */
export function promptTextOf(body: JsonObject): string {
  return joinSegments(promptSegments(body));
}

function pushTool(segments: PromptSegment[], value: unknown): void {
  const tool = asObject(value);
  if (!tool) return;
  const fn = asObject(tool.function) ?? tool;
  const text = [asString(fn.name), asString(fn.description)].filter(Boolean).join(' ');
  segments.push(segment(text, tool));
}

function pushContent(segments: PromptSegment[], content: unknown): void {
  if (typeof content === 'string') {
    segments.push({ text: content, cacheBreakpoint: false });
    return;
  }
  for (const value of asArray(content) ?? []) {
    const part = asObject(value);
    if (!part) continue;
    segments.push(segment(partText(part), part));
  }
}

function partText(part: JsonObject): string {
  const text = asString(part.text);
  if (text !== undefined) return text;
  if (part.type === 'tool_use') return JSON.stringify(part.input ?? {});
  if (part.type === 'tool_result') {
    const nested: PromptSegment[] = [];
    pushContent(nested, part.content);
    return joinSegments(nested);
  }
  return '';
}

/** A chat message, an Anthropic message, or a Responses input item. */
function pushItem(segments: PromptSegment[], value: unknown): void {
  const item = asObject(value);
  if (!item) return;
  pushContent(segments, item.content);
  for (const call of asArray(item.tool_calls) ?? []) {
    const args = asString(asObject(asObject(call)?.function)?.arguments);
    if (args !== undefined) segments.push({ text: args, cacheBreakpoint: false });
  }
  const extra = asString(item.output) ?? asString(item.arguments);
  if (extra !== undefined) segments.push({ text: extra, cacheBreakpoint: false });
}

function pushInput(segments: PromptSegment[], input: unknown): void {
  if (typeof input === 'string') {
    segments.push({ text: input, cacheBreakpoint: false });
    return;
  }
  for (const value of asArray(input) ?? []) {
    if (typeof value === 'string') segments.push({ text: value, cacheBreakpoint: false });
    else pushItem(segments, value);
  }
}

/** FNV-1a, 32 bits: cheap enough to run over every prompt on the hot path. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
