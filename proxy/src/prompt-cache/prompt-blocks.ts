import { createHash } from 'node:crypto';
import { canonicalJson } from '../cache/canonical-json.ts';
import { compilePaths } from '@periscope/contract';
import type { Endpoint } from '../providers/types.ts';
import { jsonObject } from '../usage/usage.ts';

type Json = Record<string, unknown>;

/**
 * A prompt cut into the units a provider caches as a prefix, in the provider's order: each
 * tool definition, the system block(s), then each message. A block's hash ignores
 * `cache_control` (moving a breakpoint does not change the prefix).
 */
export interface PromptBlocks {
  /** `tools[2]`, `system`, `system[1]`, `messages[4]`. */
  labels: string[];
  /** 52 bits of the SHA-256 of the block's canonical JSON: exact in a double, collisions negligible. */
  hashes: Float64Array;
  /** Characters of canonical JSON up to and including each block; tokens ≈ chars / 4. */
  cumulativeChars: Float64Array;
}

/** Anthropic `cache_control` per block: 0 none, 1 five minutes, 2 one hour. */
export type Breakpoints = Uint8Array;
export const BREAKPOINT_5M = 1;
export const BREAKPOINT_1H = 2;

const WITHOUT_CACHE_CONTROL = compilePaths(['cache_control', 'content[*].cache_control', 'content[*].content[*].cache_control']);

function blockHash(value: unknown): { hash: number; chars: number } {
  const text = canonicalJson(value, WITHOUT_CACHE_CONTROL);
  const digest = createHash('sha256').update(text).digest();
  return { hash: digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4), chars: text.length };
}

interface RawBlock {
  label: string;
  value: unknown;
}

/** The blocks of a prompt in cache order, for the endpoints whose provider caches prefixes. */
function rawBlocks(endpoint: Endpoint, body: Json): RawBlock[] | undefined {
  if (endpoint !== 'messages' && endpoint !== 'chat.completions') return undefined;
  const out: RawBlock[] = [];
  const tools = Array.isArray(body.tools) ? body.tools : [];
  tools.forEach((value, i) => out.push({ label: `tools[${i}]`, value }));
  if (endpoint === 'messages') {
    if (typeof body.system === 'string') out.push({ label: 'system', value: body.system });
    else if (Array.isArray(body.system)) {
      const system = body.system;
      system.forEach((value, i) => out.push({ label: system.length === 1 ? 'system' : `system[${i}]`, value }));
    }
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  messages.forEach((value, i) => {
    const role = jsonObject(value)?.role;
    // OpenAI puts the system prompt in the messages; name it so a miss reason says "system prompt".
    const system = endpoint === 'chat.completions' && (role === 'system' || role === 'developer');
    out.push({ label: system ? `system prompt (messages[${i}])` : `messages[${i}]`, value });
  });
  return out;
}

export function promptBlocks(endpoint: Endpoint, body: Json): PromptBlocks | undefined {
  const raw = rawBlocks(endpoint, body);
  if (!raw) return undefined;
  const hashes = new Float64Array(raw.length);
  const cumulativeChars = new Float64Array(raw.length);
  let chars = 0;
  raw.forEach((block, i) => {
    const h = blockHash(block.value);
    chars += h.chars;
    hashes[i] = h.hash;
    cumulativeChars[i] = chars;
  });
  return { labels: raw.map((b) => b.label), hashes, cumulativeChars };
}

function breakpointOf(value: unknown): number {
  const control = jsonObject(jsonObject(value)?.cache_control);
  if (!control) return 0;
  return control.ttl === '1h' ? BREAKPOINT_1H : BREAKPOINT_5M;
}

/** The strongest breakpoint on a message's content blocks (a breakpoint inside a message caches through it). */
function messageBreakpoint(message: unknown): number {
  const content = jsonObject(message)?.content;
  let strongest = 0;
  for (const part of Array.isArray(content) ? content : []) {
    strongest = Math.max(strongest, breakpointOf(part));
    const nested = jsonObject(part)?.content;
    for (const inner of Array.isArray(nested) ? nested : []) strongest = Math.max(strongest, breakpointOf(inner));
  }
  return strongest;
}

/** Anthropic breakpoints aligned with promptBlocks(); a cheap scan, redone after auto breakpoints. */
export function blockBreakpoints(endpoint: Endpoint, body: Json): Breakpoints {
  const raw = rawBlocks(endpoint, body) ?? [];
  const out = new Uint8Array(raw.length);
  if (endpoint !== 'messages') return out;
  raw.forEach((block, i) => {
    out[i] = block.label.startsWith('messages[') ? messageBreakpoint(block.value) : breakpointOf(block.value);
  });
  return out;
}
