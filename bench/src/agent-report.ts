/** The Markdown of `pnpm bench --only agent` (scenarios/agent-requests.ts). */
import { cell, msPair, num } from './format.ts';
import type { Machine } from './report.ts';
import { AGENT_SYSTEMS, type AgentPlan, type AgentRate, type AgentTurn } from './scenarios/agent-requests.ts';
import { median } from './scenarios/summary.ts';

export interface AgentReport {
  machine: Machine;
  plan: AgentPlan;
  bodyBytes: number;
  pinning: string;
  turns: AgentTurn[];
}

/** The roles whose CPU the table shows, in its column order; a role a system does not have is a dash. */
const ROLES: Array<{ title: string; roles: string[] }> = [
  { title: 'gateway', roles: ['gateway'] },
  { title: 'its store or shipper process', roles: ['store process', 'shipper process'] },
  { title: '`periscope ingest`', roles: ['periscope ingest'] },
  { title: 'Kafka broker', roles: ['Kafka broker'] },
  { title: 'mock', roles: ['mock upstream'] },
];

const usOf = (r: AgentRate, roles: string[]): number | undefined => {
  const rows = r.cpu.filter((p) => roles.includes(p.role));
  return rows.length ? rows.reduce((n, p) => n + p.usPerCall, 0) : undefined;
};

const msCpu = (us: number | undefined): string => (us === undefined ? '—' : `${num(us / 1000, 2)}`);

export function agentMarkdown(r: AgentReport): string {
  const m = r.machine;
  const out = [
    `### Agent-sized requests (${m.date.slice(0, 16).replace('T', ' ')} UTC, commit ${m.commit}, load average ${m.loadAverage.start} → ${m.loadAverage.end})`,
    '',
    `\`pnpm bench --only agent\`: a ${num(r.bodyBytes / 1000)} KB chat request (bench/src/agent-body.ts), open loop at ${r.plan.rates.map((x) => `${x}/s`).join(' and ')} for ${r.plan.seconds} s each, `
      + `${r.plan.rounds} round(s), systems alternated; ${r.pinning}. Latency: medians over rounds, the added figure from each round's difference to direct. `
      + 'CPU: ms per call answered, all threads of each process, from before the load until every answered call had its row (so it holds the event path\'s work for these calls), less the process\'s idle rate measured for 3 s before the load.',
    '',
    `| system | rate | p50 / p99 | added p50 / p99 | ${ROLES.map((x) => x.title).join(' | ')} | event path on core 1 |`,
    `|---|---|---|---|${ROLES.map(() => '---').join('|')}|---|`,
  ];
  for (const system of AGENT_SYSTEMS) {
    const turns = r.turns.filter((t) => t.system === system);
    for (const rate of r.plan.rates) {
      const runs = turns.map((t) => ({ t, x: t.rates.find((y) => y.rate === rate) })).filter((y): y is { t: AgentTurn; x: AgentRate } => y.x !== undefined);
      if (runs.length === 0) continue;
      const added = runs.map(({ t, x }) => {
        const direct = r.turns.find((d) => d.system === 'direct' && d.round === t.round)?.rates.find((y) => y.rate === rate);
        return direct ? { p50: x.load.latencyUs.p50 - direct.load.latencyUs.p50, p99: x.load.latencyUs.p99 - direct.load.latencyUs.p99 } : undefined;
      }).filter((y) => y !== undefined);
      const med = (f: (x: AgentRate) => number | undefined) => {
        const vs = runs.map(({ x }) => f(x)).filter((v): v is number => v !== undefined);
        return vs.length ? median(vs) : undefined;
      };
      const eventPath = med((x) => {
        const parts = [usOf(x, ROLES[1]!.roles), usOf(x, ROLES[2]!.roles), usOf(x, ROLES[3]!.roles)].filter((v) => v !== undefined);
        return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
      });
      out.push(`| ${system} | ${rate}/s | ${msPair(median(runs.map(({ x }) => x.load.latencyUs.p50 / 1000)), median(runs.map(({ x }) => x.load.latencyUs.p99 / 1000)))} | `
        + `${system === 'direct' || added.length === 0 ? '—' : msPair(median(added.map((a) => a.p50 / 1000)), median(added.map((a) => a.p99 / 1000)), true)} | `
        + `${ROLES.map((x) => msCpu(med((y) => usOf(y, x.roles)))).join(' | ')} | ${msCpu(eventPath)} |`);
    }
  }
  const logged = r.turns.filter((t) => t.logging).map((t) => `${t.system} round ${t.round} ${num(t.logging!.stored)} / ${num(t.logging!.answered)}`);
  if (logged.length) out.push('', `Rows stored / calls answered, warm-up included: ${logged.join('; ')}.`);
  const failures = r.turns.filter((t) => t.failure);
  if (failures.length) out.push('', ...failures.map((t) => `- ${t.system}, round ${t.round}: ${cell(t.failure!)}`));
  out.push('', `Systems: ${[...new Set(r.turns.map((t) => `${t.system}: ${cell(t.label)}`))].join('; ')}.`, '');
  return out.join('\n');
}
