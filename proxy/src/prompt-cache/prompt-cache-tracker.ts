import type { PromptCacheExpectation } from '../call-record.ts';
import { ANTHROPIC_1H_TTL_MS, ANTHROPIC_LOOKBACK_BLOCKS, CHARS_PER_TOKEN, type PromptCacheRules } from './cache-rules.ts';
import { BREAKPOINT_1H, type Breakpoints, type PromptBlocks } from './prompt-blocks.ts';

interface SessionCall {
  blocks: PromptBlocks;
  breakpoints: Breakpoints;
  at: number;
}

/** Kinds in prompt order, to tell a removed block from an added one when labels differ. */
const KIND_ORDER = ['tools', 'system', 'messages'];
const kindRank = (label: string) => KIND_ORDER.findIndex((k) => label.startsWith(k));
const tokens = (chars: number) => Math.round(chars / CHARS_PER_TOKEN);

export interface PromptCacheTrackerOptions {
  /** Sessions remembered; the least recently used is forgotten first. */
  maxSessions: number;
  now?: () => number;
}

/**
 * Remembers the prompt blocks of the last call of each session (per project and model: a
 * prompt cache never spans models) and judges the next call against it: was a provider cache
 * hit to be expected, where did the prompt first change, and if the hit does not happen, why.
 * A hit is expected when the previous call left something to read: Anthropic, a prefix of at
 * least the minimum length written at a breakpoint, or shared with no breakpoint over it;
 * OpenAI, a prompt of at least the minimum length. So a row can say why it missed even when
 * the change came early in the prompt (a tool or the system prompt edited).
 * One process's view: with several gateways, a session whose calls alternate between them is
 * judged against the last call this process saw.
 */
export class PromptCacheTracker {
  readonly #sessions = new Map<string, SessionCall>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: PromptCacheTrackerOptions) {
    this.#max = options.maxSessions;
    this.#now = options.now ?? Date.now;
  }

  static sessionKey(projectId: string, sessionId: string, model: string): string {
    return `${projectId}\u0000${sessionId}\u0000${model}`;
  }

  /** How many leading messages the session's previous call also sent (for auto breakpoints). */
  repeatedMessages(sessionKey: string, blocks: PromptBlocks): number {
    const previous = this.#sessions.get(sessionKey);
    if (!previous) return 0;
    const shared = sharedPrefix(previous.blocks, blocks);
    let count = 0;
    for (let i = 0; i < shared; i++) if (blocks.labels[i]!.startsWith('messages[')) count++;
    return count;
  }

  /** Judges this call against the session's previous one, then remembers it as the previous one. */
  observe(sessionKey: string, blocks: PromptBlocks, breakpoints: Breakpoints, rules: PromptCacheRules): PromptCacheExpectation {
    const now = this.#now();
    const previous = this.#sessions.get(sessionKey);
    this.#remember(sessionKey, { blocks, breakpoints, at: now });
    if (!previous) return { expected: false, divergedAt: -1, missReason: '' };
    const shared = sharedPrefix(previous.blocks, blocks);
    const comparable = Math.min(previous.blocks.hashes.length, blocks.hashes.length);
    const divergedAt = shared < comparable ? shared : -1;
    const context: Comparison = { previous, blocks, shared, divergedAt, idleMs: now - previous.at, rules };
    const missReason = rules.provider === 'anthropic' ? anthropicMissReason(context, breakpoints) : openAiMissReason(context);
    return missReason === undefined ? { expected: false, divergedAt, missReason: '' } : { expected: true, divergedAt, missReason };
  }

  #remember(key: string, call: SessionCall): void {
    this.#sessions.delete(key);
    this.#sessions.set(key, call);
    if (this.#sessions.size > this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
  }
}

function sharedPrefix(a: PromptBlocks, b: PromptBlocks): number {
  const n = Math.min(a.hashes.length, b.hashes.length);
  let i = 0;
  while (i < n && a.hashes[i] === b.hashes[i]) i++;
  return i;
}

function changeDescription(previous: PromptBlocks, current: PromptBlocks, at: number): string {
  const before = previous.labels[at]!;
  const now = current.labels[at]!;
  const name = (label: string) => (label === 'system' ? 'system prompt' : label);
  if (before === now) return `${name(now)} changed since the previous call of this session`;
  return kindRank(before) < kindRank(now)
    ? `${name(before)} was removed since the previous call of this session`
    : `${name(now)} was added since the previous call of this session`;
}

interface Comparison {
  previous: SessionCall;
  blocks: PromptBlocks;
  /** Leading blocks equal in both calls. */
  shared: number;
  divergedAt: number;
  idleMs: number;
  rules: PromptCacheRules;
}

const tokensThrough = (blocks: PromptBlocks, count: number) => (count === 0 ? 0 : tokens(blocks.cumulativeChars[count - 1]!));

/**
 * Anthropic reads a prefix the previous call wrote at one of its breakpoints, when this call
 * has a breakpoint at that block or within the lookback window after it. A hit is expected
 * when the previous call wrote a cacheable prefix, or when the calls share one that no
 * breakpoint covers; undefined when neither. The reasons go from structural (what the client
 * can fix in the request) to circumstantial.
 */
function anthropicMissReason(c: Comparison, breakpoints: Breakpoints): string | undefined {
  const { previous, blocks, shared, divergedAt, rules } = c;
  const minChars = rules.minTokens * CHARS_PER_TOKEN;
  let written = -1; // last block the previous call wrote, still intact in this call
  let writtenBeyond = false; // the previous call wrote a prefix this call does not repeat
  for (let p = 0; p < previous.breakpoints.length; p++) {
    if (previous.breakpoints[p] === 0 || previous.blocks.cumulativeChars[p]! < minChars) continue;
    if (p < shared) written = p;
    else writtenBeyond = true;
  }
  if (written < 0) {
    if (writtenBeyond) {
      return divergedAt >= 0
        ? changeDescription(previous.blocks, blocks, divergedAt)
        : 'the prompt is shorter than the prefix the previous call of this session cached (the conversation was cut back)';
    }
    if (tokensThrough(blocks, shared) < rules.minTokens) return undefined;
    return 'no cache_control breakpoint covers the shared prefix (the previous call of this session cached none of it)';
  }
  let reads = false;
  for (let q = written; q < breakpoints.length && q - written < ANTHROPIC_LOOKBACK_BLOCKS; q++) if (breakpoints[q]) reads = true;
  if (!reads) {
    return `no cache_control breakpoint covers the shared prefix (none at ${blocks.labels[written]} or within the ${ANTHROPIC_LOOKBACK_BLOCKS} blocks after it)`;
  }
  const ttlMs = previous.breakpoints[written] === BREAKPOINT_1H ? ANTHROPIC_1H_TTL_MS : rules.ttlMs;
  if (c.idleMs > ttlMs) {
    return `the previous call was more than ${Math.round(ttlMs / 60_000)} minutes ago (Anthropic cache TTL)`;
  }
  return `the provider reported no cache read although the prefix through ${blocks.labels[written]} (~${tokens(blocks.cumulativeChars[written]!)} tokens) was cached by the previous call ${Math.round(c.idleMs / 1000)} s earlier (evicted, or another organisation or workspace)`;
}

/** OpenAI caches every prompt of at least the minimum by itself: a hit is expected after one. */
function openAiMissReason(c: Comparison): string | undefined {
  const { previous, blocks, shared, divergedAt, rules } = c;
  if (tokensThrough(previous.blocks, previous.blocks.hashes.length) < rules.minTokens) return undefined;
  const sharedTokens = tokensThrough(blocks, shared);
  if (sharedTokens < rules.minTokens) return divergedAt >= 0 ? changeDescription(previous.blocks, blocks, divergedAt) : undefined;
  if (c.idleMs > rules.ttlMs) {
    return `the previous call was more than ${Math.round(rules.ttlMs / 60_000)} minutes ago (OpenAI keeps cached prefixes for 5–10 minutes of inactivity)`;
  }
  return `the provider reported no cached tokens although ~${sharedTokens} prefix tokens repeated (OpenAI's cache is best-effort per server; prompt_cache_key keeps a session on one)`;
}
