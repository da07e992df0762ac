import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSessionFixture, AGENT_SESSION_MODEL, startMockUpstream, type MockUpstream } from '@periscope/testkit';
import { createPriceBook } from '../pricing/price-book.ts';
import { fromAnthropicUsage } from '../usage/usage.ts';
import { addAutoBreakpoints } from './auto-breakpoints.ts';
import { promptCacheRules } from './cache-rules.ts';
import { blockBreakpoints, promptBlocks } from './prompt-blocks.ts';
import { PromptCacheTracker } from './prompt-cache-tracker.ts';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ anthropicPromptCache: 'prefix' });
});
afterAll(async () => mock?.close());

const priceBook = createPriceBook();

async function send(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${mock.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { usage: Record<string, unknown> }).usage;
}

/** Input-side cost of one call: uncached input, cache reads and writes at their prices. */
function inputCost(usage: Record<string, unknown>): number {
  return priceBook.cost('anthropic', AGENT_SESSION_MODEL, { ...fromAnthropicUsage(usage), completion_tokens: 0 }).cost_usd;
}

/** The library path the gateway runs per call: track the session, add breakpoints, judge. */
async function replaySession(auto: boolean): Promise<{ cost: number; reads: number; misses: string[] }> {
  const tracker = new PromptCacheTracker({ maxSessions: 10 });
  const rules = promptCacheRules('anthropic', AGENT_SESSION_MODEL)!;
  const key = PromptCacheTracker.sessionKey('p', auto ? 'auto' : 'off', AGENT_SESSION_MODEL);
  let cost = 0;
  let reads = 0;
  const misses: string[] = [];
  for (const request of agentSessionFixture()) {
    const blocks = promptBlocks('messages', request)!;
    const body = (auto && addAutoBreakpoints(request, { repeatedMessages: tracker.repeatedMessages(key, blocks) })) || request;
    const verdict = tracker.observe(key, blocks, blockBreakpoints('messages', body), rules);
    const usage = await send(body);
    cost += inputCost(usage);
    if (Number(usage.cache_read_input_tokens) > 0) reads++;
    else if (verdict.expected) misses.push(verdict.missReason);
  }
  return { cost, reads, misses };
}

describe('30-turn agent session, Anthropic prefix-cache accounting', () => {
  it('costs at least 70% less input with prompt_cache: auto', async () => {
    const off = await replaySession(false);
    const auto = await replaySession(true);
    const saving = 1 - auto.cost / off.cost;
    console.log(`agent session input cost: off $${off.cost.toFixed(4)}, auto $${auto.cost.toFixed(4)}, ${(saving * 100).toFixed(1)}% lower`);
    expect(off.reads).toBe(0);
    expect(auto.reads).toBe(29); // every turn after the first reads the previous turn's prefix
    expect(auto.misses).toEqual([]);
    // Without breakpoints every turn after the first repeats a cacheable prefix and says why it missed.
    expect(off.misses).toHaveLength(29);
    expect(new Set(off.misses)).toEqual(new Set(['no cache_control breakpoint covers the shared prefix (the previous call of this session cached none of it)']));
    expect(saving).toBeGreaterThanOrEqual(0.7);
  });
});
