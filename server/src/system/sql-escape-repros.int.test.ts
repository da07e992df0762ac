import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, type ApiAnswer } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { plantCanaries, type PlantedCanaries } from '../testing/sql-canaries.ts';

/**
 * The four escapes of the SQL sandbox an outside probe found (issue 14), each as it was sent:
 * a viewer of project A, through the grid and through every export format. Each must be
 * refused or answer with A's data only, and no answer, error included, may carry a canary.
 */
let h: GatewayHarness;
let planted: PlantedCanaries;

beforeAll(async () => {
  h = await startGatewayHarness(undefined, { config: () => ({ reports: { queries_per_minute: 100_000 } }) });
  planted = await plantCanaries(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

type Params = Record<string, unknown>;
const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;

async function everyWay(sql: string, params?: Params): Promise<ApiAnswer<{ error?: { code: string; message: string }; data?: unknown[] }>[]> {
  const answers = [await apiRequest<{ error?: { code: string; message: string }; data?: unknown[] }>(h.url, 'POST', '/api/sql', planted.viewer, { sql, params })];
  for (const format of FORMATS) answers.push(await apiRequest(h.url, 'POST', '/api/sql/export', planted.viewer, { sql, params, format }));
  for (const answer of answers) expect(planted.leak(answer.text), answer.text.slice(0, 500)).toBeUndefined();
  return answers;
}

describe('the escapes found by the outside probe', () => {
  it('a WITH subquery in one scope does not make its name readable in another', async () => {
    const sql = "SELECT (SELECT groupArray(concat(email, ' ', password_hash)) FROM accounts) AS x FROM (WITH accounts AS (SELECT 1 AS y) SELECT y FROM accounts)";
    for (const answer of await everyWay(sql)) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body?.error?.code ?? JSON.parse(answer.text).error.code).toBe('sql_rejected');
      expect(answer.text).toMatch(/Unknown table accounts/);
    }
  });

  it('refuses Identifier parameters, which the engine substitutes as names', async () => {
    const sql = `SELECT (SELECT groupArray(request_body) FROM {t:Identifier} WHERE project_id = '${planted.projectB}') AS x FROM requests LIMIT 1`;
    for (const answer of await everyWay(sql, { t: 'requests' })) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.text).toMatch(/Identifier/);
    }
  });

  it('a comma join after JOIN ... ON inside a scalar subquery reads the scoped view, not the raw table', async () => {
    const from = 'FROM requests_1m AS m JOIN requests_1h AS h ON m.key_id = h.key_id, requests AS raw';
    // The raw table's bodies are not columns of the view ...
    for (const answer of await everyWay(`SELECT (SELECT groupArray(raw.request_body) ${from} WHERE raw.project_id = '${planted.projectB}') AS x FROM requests LIMIT 1`)) {
      expect(answer.status, answer.text).toBe(400);
    }
    // ... and its rows are the caller's projects' only.
    const [grid] = await everyWay(`SELECT (SELECT groupArray(raw.user_id) ${from} WHERE raw.project_id = '${planted.projectB}') AS x FROM requests LIMIT 1`);
    expect(grid!.status, grid!.text).toBe(200);
    expect(grid!.body.data).toEqual([{ x: [] }]);
  });

  it('an error raised while reading a table the query may not read never reaches the user', async () => {
    // The scalar subquery used to be folded by EXPLAIN QUERY TREE, which raised the error
    // (with the hash in its message) before the check of the tables it read.
    const sql = 'SELECT (SELECT toUInt8(any(password_hash)) FROM accounts) AS x FROM (WITH accounts AS (SELECT 1 AS y) SELECT y FROM accounts)';
    for (const answer of await everyWay(sql)) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.text).toMatch(/Unknown table accounts/);
    }
    // The same through a view the query may read: the error is about the caller's own data.
    const own = await everyWay("SELECT (SELECT toUInt8(any(user_id)) FROM requests) AS x");
    expect(own[0]!.status).toBe(400);
    expect(own[0]!.text).toMatch(/alice/);
  });
});
