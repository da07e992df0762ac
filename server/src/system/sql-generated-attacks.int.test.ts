import { afterAll, beforeAll, expect, it } from 'vitest';
import { readParquet } from '@periscope/clickhouse/testing';
import { apiRequest } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { plantCanaries, type PlantedCanaries } from '../testing/sql-canaries.ts';
import { AttackGrammar } from '../testing/sql-attack-grammar.ts';

/**
 * Generated attacks on the SQL sandbox (testing/sql-attack-grammar.ts), as a viewer of project
 * A, against a store with canaries in project B's calls and in every private table. Each
 * statement goes through the console (`POST /api/sql`) and through one export format in turn,
 * so every format sees a quarter of them. No answer may carry a canary: not a result, not an
 * error message, not a Parquet file once decoded.
 *
 * The seed and count are fixed for the suite; PERISCOPE_SQL_ATTACK_SEED and
 * PERISCOPE_SQL_ATTACKS run another sample (SECURITY.md records the long run).
 */
const SEED = Number(process.env.PERISCOPE_SQL_ATTACK_SEED ?? 20261202);
const COUNT = Number(process.env.PERISCOPE_SQL_ATTACKS ?? 1200);
const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;

let h: GatewayHarness;
let planted: PlantedCanaries;

beforeAll(async () => {
  // A short time limit: some statements cross-join what they can read.
  h = await startGatewayHarness(undefined, {
    config: () => ({ reports: { queries_per_minute: 10_000_000, max_execution_seconds: 2, export_max_execution_seconds: 2, max_rows_to_read: 10_000_000 } }),
  });
  planted = await plantCanaries(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const exportOf = (sql: string, params: Record<string, unknown>, format: string) =>
  fetch(`${h.url}/api/sql/export`, {
    method: 'POST', headers: { cookie: planted.viewer.cookie, 'x-periscope-csrf': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ sql, params, format }),
  });

/**
 * A Parquet answer's rows. The engine cannot read back a file whose columns share a name
 * (`SELECT 'a', 'a'`), which the engine writes without complaint: for those the same
 * statement's JSON lines export, the same rows, is what is checked.
 */
async function decoded(parquet: Buffer, sql: string, params: Record<string, unknown>, count: (key: string) => void): Promise<string> {
  try {
    return await readParquet(h.dataDir, parquet);
  } catch (err) {
    if (!/column with this name already exists/.test(String(err))) throw err;
    count('parquet with repeated column names, checked as jsonl');
    return (await exportOf(sql, params, 'jsonl')).text();
  }
}

it(`${COUNT} generated statements (seed ${SEED}) through /api/sql and every export format: no canary comes out`, async () => {
  const grammar = new AttackGrammar(SEED, { projectB: planted.projectB });
  const outcomes = new Map<string, number>();
  const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const leaks: string[] = [];
  const started = performance.now();
  for (let i = 0; i < COUNT; i += 1) {
    const { sql, params } = grammar.next();
    const grid = await apiRequest<{ error?: { code: string } }>(h.url, 'POST', '/api/sql', planted.viewer, { sql, params });
    count(`grid ${grid.status} ${grid.body?.error?.code ?? 'ok'}`);
    if (![200, 400].includes(grid.status)) leaks.push(`#${i} grid answered ${grid.status}: ${grid.text.slice(0, 300)}\n${sql}`);
    const inGrid = planted.leak(grid.text);
    if (inGrid) leaks.push(`#${i} grid leaked ${inGrid}: ${sql}`);

    const format = FORMATS[i % FORMATS.length]!;
    const res = await exportOf(sql, params, format);
    const bytes = Buffer.from(await res.arrayBuffer());
    count(`export ${res.status}`);
    const text = res.status === 200 && format === 'parquet' ? await decoded(bytes, sql, params, count) : bytes.toString('latin1');
    const inExport = planted.leak(text);
    if (inExport) leaks.push(`#${i} ${format} export leaked ${inExport}: ${sql}`);
    if (![200, 400].includes(res.status)) leaks.push(`#${i} ${format} export answered ${res.status}: ${text.slice(0, 300)}\n${sql}`);
  }
  console.log(
    `[sql attacks] seed ${SEED}: ${COUNT} statements, each through /api/sql and one export format, in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      [...outcomes].sort().map(([k, n]) => `${k}: ${n}`).join(', '),
  );
  expect(leaks).toEqual([]);
  // The grammar reaches the engine. Measured on the suite's seed: 8.5 % of the statements run
  // and 11.6 % more pass every check and fail in the engine (unknown columns, error channels);
  // on the sandbox before issue 14 the same 1,200 statements leaked canaries 20 times in the
  // console and 20 times in exports.
  expect(outcomes.get('grid 200 ok') ?? 0).toBeGreaterThan(COUNT * 0.05);
  expect(outcomes.get('grid 400 sql_failed') ?? 0).toBeGreaterThan(COUNT * 0.08);
}, 60_000 + COUNT * 150);
