import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeEvent, parseCsv } from '@periscope/clickhouse/testing';
import { apiRequest } from '../testing/api-client.ts';
import { PERISCOPE_CLI } from '../testing/cli-command.ts';
import { ADMIN_TOKEN, startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

const run = promisify(execFile);
const periscope = (args: string[]) =>
  run(process.execPath, [...PERISCOPE_CLI, ...args], { env: { ...process.env, PERISCOPE_ADMIN_TOKEN: ADMIN_TOKEN, PERISCOPE_KAFKA_BROKERS: '' } });

/** `pnpm periscope report run NAME`: through a running server's API, and on a stopped one's data directory. */
let h: GatewayHarness;
let project: string;

beforeAll(async () => {
  h = await startGatewayHarness();
  project = (await h.newProject()).project;
  await h.server.store.insertRequests([
    makeEvent({ project_id: project, model: 'gpt-4o', cost_usd: 1.5 }),
    makeEvent({ project_id: project, model: 'claude', cost_usd: 2 }),
  ]);
  const created = await apiRequest(h.url, 'POST', '/api/reports', { admin: true }, {
    project, name: 'Spend by model', sql: 'SELECT model, sum(cost_usd) AS cost FROM requests WHERE cost_usd >= {min:Float64} GROUP BY model ORDER BY model',
    params: { min: '0' },
  });
  expect(created.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await h?.server.app.close();
  if (h) await rm(h.dataDir, { recursive: true, force: true });
  await h?.mock.close();
});

it('runs a saved report through the API of a running server, with parameters, to stdout', async () => {
  const csv = await periscope(['report', 'run', 'Spend by model', '--url', h.url, '--format', 'csv', '--param', 'min=1.6']);
  expect(parseCsv(csv.stdout)).toEqual([['model', 'cost'], ['claude', '2']]);
  const jsonl = await periscope(['report', 'run', 'Spend by model', '--url', h.url, '--project', project, '--format', 'jsonl']);
  expect(jsonl.stdout).toBe('{"model":"claude","cost":2}\n{"model":"gpt-4o","cost":1.5}\n');
  const missing = await periscope(['report', 'run', 'No such report', '--url', h.url]).catch((err: { code: number; stderr: string }) => err);
  expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('no report named "No such report"') });
});

it('runs one on the data directory when no server holds it', async () => {
  await h.server.app.close();
  const tsv = await periscope(['report', 'run', 'Spend by model', '--data-dir', h.dataDir, '--format', 'tsv']);
  expect(tsv.stdout).toBe('model\tcost\nclaude\t2\ngpt-4o\t1.5\n');
}, 60_000);
