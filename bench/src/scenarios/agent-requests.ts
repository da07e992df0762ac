/**
 * `pnpm bench --only agent`: agent-sized requests (agent-body.ts, 150 KB) at fixed rates, open
 * loop, through direct-to-mock, `periscope start` and the `proxy` role, pinned and alternated as
 * in the comparison. Per rate: the latency over direct's, and every process's CPU per call,
 * counted from before the load until every answered call has its row, so that what the event
 * path spends on these calls after the answer (the store process or the Kafka shipper, the
 * broker, the ingest and the engine's merges) is in it, less what each process spends idle. A coding agent's calls cost the gateway
 * and the event path per byte, not per call: sizing by the comparison's 110-byte calls would
 * be wrong by an order of magnitude (docs/deployment.md, "Scaling").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { placeTree } from '../pinning.ts';
import { cpuPerCall, sampleCpu, type ProcessCpu } from '../profile/cpu-accounting.ts';
import type { Environment, RunningSystem, SystemStarter } from '../systems/system.ts';
import { attack, type VegetaResult } from '../vegeta.ts';
import { catchUp } from './system-round.ts';

/** Seconds without load before each rate, for each process's idle CPU rate. */
const IDLE_S = 3;

export const AGENT_SYSTEMS = ['direct', 'start', 'proxy'] as const;
export type AgentSystem = (typeof AGENT_SYSTEMS)[number];

export interface AgentPlan {
  rates: number[];
  /** Seconds of load per rate. */
  seconds: number;
  rounds: number;
  /** Closed loop, 4 connections, before the rates. */
  warmUpS: number;
}

export function agentPlan(quick: boolean, rounds?: number): AgentPlan {
  return { rates: [30, 100], seconds: quick ? 8 : 15, rounds: rounds ?? (quick ? 1 : 2), warmUpS: 3 };
}

export interface AgentRate {
  rate: number;
  load: VegetaResult;
  /**
   * µs of CPU per call answered, every process of the run (vegeta aside), from before the load
   * until the rows were stored, less each process's idle rate (measured for IDLE_S before).
   */
  cpu: ProcessCpu[];
  /** After the load, until the store held a row for every call answered so far (Periscope only). */
  catchUpS?: number;
}

export interface AgentTurn {
  system: AgentSystem;
  round: number;
  label: string;
  rates: AgentRate[];
  /** Periscope only: every call answered in the turn (warm-up included) against the rows stored. */
  logging?: { answered: number; stored: number };
  failure?: string;
}

/** One system's turn: started fresh, warmed up with the same body, then each rate. */
export async function agentTurn(system: AgentSystem, start: SystemStarter, env: Environment, plan: AgentPlan, body: string, round: number): Promise<AgentTurn> {
  const turn: AgentTurn = { system, round, label: system, rates: [] };
  let sys: RunningSystem;
  try {
    sys = await start(env);
  } catch (err) {
    turn.failure = `did not start: ${err instanceof Error ? err.message : String(err)}`;
    return turn;
  }
  turn.label = sys.label;
  const helpers = new Map(sys.helpers.map((h) => [h.process.pid, h.role]));
  const cpu = () => sampleCpu(sys.gateway?.pid, sys.childRole, helpers);
  const repin = () => (sys.gateway ? placeTree(env.pinning, sys.gateway.pid, sys.childRole, true) : []);
  let answered = 0;
  try {
    repin();
    const warm = await attack(sys.target, { rate: 0, workers: 4, durationS: plan.warmUpS, body });
    answered += warm.answered;
    if (warm.ok === 0) throw new Error(`warm-up failed: ${warm.errorSamples[0] ?? JSON.stringify(warm.statusCodes)}`);
    repin();
    if (sys.logging) await catchUp(sys.logging, answered, 60_000);
    for (const rate of plan.rates) {
      const idle = cpu();
      await sleep(IDLE_S * 1000);
      const before = cpu();
      const t0 = performance.now();
      const load = await attack(sys.target, { rate, durationS: plan.seconds, body });
      answered += load.answered;
      const waited = sys.logging ? await catchUp(sys.logging, answered, 120_000) : undefined;
      const after = cpu();
      const elapsedS = (performance.now() - t0) / 1000;
      turn.rates.push({ rate, load, cpu: cpuPerCall(before, after, load.answered, { sample: idle, seconds: IDLE_S, elapsedS }), catchUpS: waited?.waitedS });
      env.log(`    ${system} at ${rate}/s: p50 ${(load.latencyUs.p50 / 1000).toFixed(2)} ms, p99 ${(load.latencyUs.p99 / 1000).toFixed(2)} ms, `
        + `${load.ok}/${load.requests} ok${waited ? `, rows after ${waited.waitedS.toFixed(1)} s` : ''}`);
    }
    if (sys.logging) turn.logging = { answered, stored: (await catchUp(sys.logging, answered, 60_000)).stored };
  } catch (err) {
    turn.failure = err instanceof Error ? err.message : String(err);
    env.log(`    ${system}: ${turn.failure}`);
  }
  await sys.stop();
  return turn;
}
