import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { makeEvent } from '@periscope/clickhouse/testing';
import { parseConfig } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import { createProxyMetrics } from '../metrics.ts';
import { LimitEnforcer } from './limit-enforcer.ts';
import { MemoryCounterStore } from './memory-counter-store.ts';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 30);

function enforcer(limits: unknown[]) {
  const warnings: object[] = [];
  const metrics = createProxyMetrics(new Registry());
  const e = new LimitEnforcer(new MemoryCounterStore(() => NOW), metrics, { warn: (o) => warnings.push(o) }, () => NOW);
  return { e, rules: parseConfig({ limits }, {}).limits, warnings, metrics };
}

const alice = { key: 'key_a', project: 'research', user: 'alice', model: 'gpt-4o', session: '' };
const est = (usd: number, inputUsd = usd) => ({ usd, inputUsd });
const settleWait = () => new Promise((r) => setTimeout(r, 10));

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('expected a refusal');
}

describe('LimitEnforcer', () => {
  it('requests per minute: exactly at the boundary, per key, with RateLimit-* headers', async () => {
    const { e, rules } = enforcer([{ match: { key: '*' }, rpm: 3 }]);
    for (let i = 0; i < 3; i++) {
      const a = await e.admit(rules, alice, est(0), `r${i}`);
      expect(a.headers).toEqual({ 'ratelimit-limit': '3', 'ratelimit-remaining': String(2 - i), 'ratelimit-reset': '30' });
    }
    const err = await refusal(e.admit(rules, alice, est(0), 'r4'));
    expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(err.headers).toMatchObject({ 'retry-after': '30', 'ratelimit-remaining': '0' });
    await e.admit(rules, { ...alice, key: 'key_b' }, est(0), 'r5'); // another key has its own counter
  });

  it('tokens per minute count actual usage after the call', async () => {
    const { e, rules } = enforcer([{ match: { user: '*' }, tpm: 100 }]);
    const a = await e.admit(rules, alice, est(0), 'r1');
    a.settle(makeEvent({ prompt_tokens: 60, completion_tokens: 40 }));
    await settleWait();
    expect(await refusal(e.admit(rules, alice, est(0), 'r2'))).toMatchObject({ code: 'rate_limited' });
    await e.admit(rules, { ...alice, user: '' }, est(0), 'r3'); // no user id: outside a per-user rule
  });

  it('concurrency: a slot is held until the call ends', async () => {
    const { e, rules } = enforcer([{ match: { model: 'gpt-4o' }, concurrency: 1 }]);
    const a = await e.admit(rules, alice, est(0), 'r1');
    expect(await refusal(e.admit(rules, alice, est(0), 'r2'))).toMatchObject({ code: 'rate_limited', headers: { 'retry-after': '1' } });
    await e.admit(rules, { ...alice, model: 'gpt-4o-mini' }, est(0), 'r3'); // rule names one model only
    a.settle(makeEvent());
    await settleWait();
    await e.admit(rules, alice, est(0), 'r4');
  });

  it('budgets: the call that would exceed it is refused with 402; the soft threshold warns once', async () => {
    const { e, rules, warnings } = enforcer([{ match: { project: 'research' }, budget_usd: { month: 1 }, soft_threshold: 0.5 }]);
    const spend = async (id: string, cost: number) => {
      const a = await e.admit(rules, alice, est(0.1), id);
      a.settle(makeEvent({ cost_usd: cost }));
      await settleWait();
    };
    await spend('r1', 0.4);
    expect(warnings).toHaveLength(0);
    await spend('r2', 0.2);
    expect(warnings).toHaveLength(1);
    await spend('r3', 0.3); // 0.9 spent: a 0.1 estimate still fits
    const err = await refusal(e.admit(rules, alice, est(0.1000001), 'r4'));
    expect(err).toMatchObject({ code: 'budget_exceeded', status: 402 });
    expect(err.message).toMatch(/\$1 per month/);
    await e.admit(rules, { ...alice, project: 'other' }, est(0.5), 'r5');
    expect(warnings).toHaveLength(1);
  });

  it('a budget spent to the cent refuses even a call of unknown price', async () => {
    const { e, rules } = enforcer([{ match: { key: '*' }, budget_usd: { day: 0.5 } }]);
    const a = await e.admit(rules, alice, est(0), 'r1');
    a.settle(makeEvent({ cost_usd: 0.5 }));
    await settleWait();
    expect(await refusal(e.admit(rules, alice, est(0), 'r2'))).toMatchObject({ code: 'budget_exceeded' });
  });

  it('per-session budgets: each session its own dollars and tokens; calls without a session are outside', async () => {
    const { e, rules } = enforcer([{ match: { project: 'research' }, per_session: { budget_usd: 1, tokens: 1000 } }]);
    const s1 = { ...alice, session: 'run-1' };
    // An agent asks for 128k output tokens on every call: only the input estimate is admitted against a session budget.
    const first = await e.admit(rules, s1, est(3, 0.01), 'r1');
    first.settle(makeEvent({ cost_usd: 0.7, prompt_tokens: 300, completion_tokens: 100 }));
    await settleWait();
    const second = await e.admit(rules, s1, est(3, 0.3), 'r2');
    second.settle(makeEvent({ cost_usd: 0.2, prompt_tokens: 100, completion_tokens: 100 }));
    await settleWait();
    const err = await refusal(e.admit(rules, s1, est(3, 0.2), 'r3'));
    expect(err).toMatchObject({ code: 'budget_exceeded', status: 402 });
    expect(err.message).toBe("Periscope session budget exhausted: this session (run-1) has used $0.9000 of its $1 budget, and this call's input (about $0.2000) would go over it. Start a new session, or ask your Periscope admin to raise limits[].per_session.");
    expect(err.headers['retry-after']).toBeUndefined();
    await e.admit(rules, { ...alice, session: 'run-2' }, est(3, 0.2), 'r4');
    await e.admit(rules, alice, est(3, 0.2), 'r5'); // no session id: no session counters
    const tokens = await e.admit(rules, { ...alice, session: 'run-3' }, est(0), 'r6');
    tokens.settle(makeEvent({ cost_usd: 0, prompt_tokens: 900, completion_tokens: 100 }));
    await settleWait();
    expect((await refusal(e.admit(rules, { ...alice, session: 'run-3' }, est(0), 'r7'))).message).toMatch(/has used 1000 of its 1000 tokens\. Start a new session/);
  });

  it('per_session must name a budget', () => {
    expect(() => parseConfig({ limits: [{ per_session: {} }] }, {})).toThrow('invalid config at limits.0.per_session: name a budget_usd or tokens');
    expect(() => parseConfig({ limits: [{ per_session: { budget_usd: -1 } }] }, {})).toThrow(/limits\.0\.per_session\.budget_usd/);
  });

  it('a failing counter store admits the call and counts it', async () => {
    const metrics = createProxyMetrics(new Registry());
    const broken = { kind: 'redis' as const, admit: () => Promise.reject(new Error('down')), add: () => Promise.reject(new Error('down')), release: async () => {}, close: async () => {} };
    const e = new LimitEnforcer(broken, metrics, { warn: () => {} });
    const rules = parseConfig({ limits: [{ match: {}, rpm: 1 }] }, {}).limits;
    await e.admit(rules, alice, est(0), 'r1');
    expect((await metrics.limitsUnavailable.get()).values[0]?.value).toBe(1);
  });
});
