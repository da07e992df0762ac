import { randomBytes } from 'node:crypto';
import type { JsonObject } from './json.ts';
import { asArray, asObject } from './json.ts';
import { fnv1a, promptTextOf } from './tokens.ts';

export const DEFAULT_CHUNK_COUNT = 5;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

/**
 * The reply, already cut into `chunkCount` stream pieces: `Mock reply <hash>.` then one word per
 * further chunk. The hash of the prompt makes different prompts get different replies, so a
 * cache that serves the wrong entry is caught.
 */
export function replyPieces(promptText: string, chunkCount: number): string[] {
  const pieces = [`Mock reply ${fnv1a(promptText).toString(16).padStart(8, '0')}.`];
  for (let i = 1; i < chunkCount; i++) pieces.push(` ${WORDS[(i - 1) % WORDS.length]}`);
  return pieces;
}

/** The plain-text reply the mock gives to `body` (no tools, no JSON mode). */
export function mockReplyText(body: JsonObject, chunkCount = DEFAULT_CHUNK_COUNT): string {
  return replyPieces(promptTextOf(body), chunkCount).join('');
}

/** Cuts `text` into at most `count` non-empty pieces of near-equal length. */
export function splitInto(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces.length > 0 ? pieces : [''];
}

/**
 * A value that satisfies a plain JSON schema (every declared property filled), used for tool
 * arguments and structured output so clients that validate against the schema accept it.
 */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  const node = asObject(schema);
  if (!node || depth > 8) return {};
  if ('const' in node) return node.const;
  const choices = asArray(node.enum);
  if (choices && choices.length > 0) return choices[0];
  const variant = asArray(node.anyOf)?.[0] ?? asArray(node.oneOf)?.[0];
  if (variant !== undefined) return sampleFromSchema(variant, depth + 1);
  const declared = Array.isArray(node.type) ? node.type.find((t) => t !== 'null') : node.type;
  const type = declared ?? (node.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const out: JsonObject = {};
      for (const [key, sub] of Object.entries(asObject(node.properties) ?? {})) {
        out[key] = sampleFromSchema(sub, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sampleFromSchema(node.items, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'mock';
  }
}

/** A tool the request offers, reduced to what the mock needs to call it. */
export interface ToolSpec {
  name: string;
  schema: unknown;
}

/**
 * Arguments for named tools instead of values made from their schemas: agent CLIs check some
 * beyond the schema (Claude Code's Agent tool needs a subagent type it knows).
 */
export type ToolInputs = Readonly<Record<string, unknown>>;

/** What `tool_choice` asks for, normalised across the three APIs. */
export type ToolChoice = { kind: 'none' } | { kind: 'auto' } | { kind: 'named'; name: string };

/** What the request allows the answer to be, normalised by each wire module. */
export interface AnswerRequest {
  tools: readonly ToolSpec[];
  toolChoice: ToolChoice;
  /** The last turn carries a tool result, so the model now answers in text. */
  afterToolResult: boolean;
  /** JSON mode: `schema` for json_schema, undefined for json_object; absent for plain text. */
  json?: { schema: unknown };
}

/** The generated output, cut into stream pieces (text, or one tool call's argument JSON). */
export type Answer = { kind: 'text'; pieces: string[] } | { kind: 'tool'; name: string; pieces: string[] };

/**
 * The mock calls a tool whenever it may (the one `tool_choice` names, else the first), unless
 * the conversation just returned a tool result; that way an agent loop ends after one round.
 */
export function planAnswer(request: AnswerRequest, promptText: string, chunkCount: number, toolInputs: ToolInputs = {}, quotePrompt = false): Answer {
  if (quotePrompt) return { kind: 'text', pieces: promptText.match(/[\s\S]{1,3}/g) ?? [''] };
  const tool = request.afterToolResult ? undefined : chooseTool(request.tools, request.toolChoice);
  if (tool) {
    const input = Object.hasOwn(toolInputs, tool.name) ? toolInputs[tool.name] : sampleFromSchema(tool.schema);
    return { kind: 'tool', name: tool.name, pieces: splitInto(JSON.stringify(input), chunkCount) };
  }
  if (request.json) {
    const value =
      request.json.schema === undefined
        ? { reply: replyPieces(promptText, chunkCount).join('') }
        : sampleFromSchema(request.json.schema);
    return { kind: 'text', pieces: splitInto(JSON.stringify(value), chunkCount) };
  }
  return { kind: 'text', pieces: replyPieces(promptText, chunkCount) };
}

/** The text completion tokens are counted from: the reply, or tool name + arguments JSON. */
export function generatedText(answer: Answer): string {
  const body = answer.pieces.join('');
  return answer.kind === 'tool' ? answer.name + body : body;
}

function chooseTool(tools: readonly ToolSpec[], choice: ToolChoice): ToolSpec | undefined {
  if (choice.kind === 'none') return undefined;
  if (choice.kind === 'named') return tools.find((tool) => tool.name === choice.name);
  return tools[0];
}

// Unique across mock instances and test processes, without a random call per id.
const RUN = randomBytes(6).toString('hex');
let sequence = 0;

export function newId(prefix: string): string {
  sequence += 1;
  return `${prefix}${RUN}${sequence.toString(16).padStart(10, '0')}`;
}
