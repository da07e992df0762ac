import { describe, expect, it } from 'vitest';
import { agentMarkdown } from './agent-report.ts';
import type { ProcessCpu } from './profile/cpu-accounting.ts';
import type { Machine } from './report.ts';
import type { AgentRate, AgentTurn } from './scenarios/agent-requests.ts';
import type { VegetaResult } from './vegeta.ts';

const load = (p50Us: number, p99Us: number): VegetaResult => ({
  mode: 'open', offeredRate: 30, durationS: 15, requests: 450, answered: 450, ok: 450, throughput: 30,
  latencyUs: { mean: p50Us, p50: p50Us, p90: p50Us, p99: p99Us, max: p99Us }, statusCodes: { 200: 450 }, errorSamples: [], listenOverflows: 0,
});
const cpu = (rows: Record<string, number>): ProcessCpu[] => Object.entries(rows).map(([role, us], pid) => ({ role, pid, usPerCall: us, mainThreadUsPerCall: us }));
const at30 = (p50Us: number, p99Us: number, rows: Record<string, number>): AgentRate => ({ rate: 30, load: load(p50Us, p99Us), cpu: cpu(rows) });

const machine: Machine = {
  cores: 2, cpuModel: 'x', memoryGiB: 24, node: 'v20', os: 'Linux', date: '2026-12-05T16:00:00.000Z', commit: 'abc', loadAverage: { start: 1, end: 1 },
};

describe('agentMarkdown', () => {
  it('reports each round\'s difference to direct as a median, the event path as the sum of its processes, and rows against calls', () => {
    const turns: AgentTurn[] = [
      { system: 'direct', round: 1, label: 'mock', rates: [at30(2000, 4000, { 'mock upstream': 2000 })] },
      { system: 'proxy', round: 1, label: 'proxy', rates: [at30(7000, 14_000, { gateway: 5000, 'shipper process': 2500, 'periscope ingest': 6000, 'Kafka broker': 1500 })], logging: { answered: 500, stored: 500 } },
      { system: 'direct', round: 2, label: 'mock', rates: [at30(3000, 5000, { 'mock upstream': 2200 })] },
      { system: 'proxy', round: 2, label: 'proxy', rates: [at30(6000, 25_000, { gateway: 4000, 'shipper process': 3500, 'periscope ingest': 5000, 'Kafka broker': 1500 })], logging: { answered: 510, stored: 509 } },
      { system: 'start', round: 1, label: 'start', rates: [], failure: 'did not start: boom' },
    ];
    const md = agentMarkdown({ machine, plan: { rates: [30], seconds: 15, rounds: 2, warmUpS: 3 }, bodyBytes: 150_000, pinning: 'pinned', turns });
    // Added: round 1 +5 / +10 ms, round 2 +3 / +20 ms; medians +4 / +15. Event path: 10 and 10 ms.
    expect(md).toContain('| proxy | 30/s | 6.50 / 19.5 ms | +4.00 / +15.0 ms | 4.50 | 3.00 | 5.50 | 1.50 | — | 10.00 |');
    expect(md).toContain('| direct | 30/s | 2.50 / 4.50 ms | — | — | — | — | — | 2.10 | — |');
    expect(md).toContain('proxy round 2 509 / 510');
    expect(md).toContain('- start, round 1: did not start: boom');
  });
});
