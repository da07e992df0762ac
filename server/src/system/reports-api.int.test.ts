import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, parseCsv } from '@periscope/clickhouse/testing';
import { SecretBox, ReportScheduler, ReportLinks } from '@periscope/control-plane';
import type { Lease } from '@periscope/control-plane';
import { apiRequest, newAccount } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '@periscope/control-plane/testing';

/** Saved reports through the API: sharing, runs, exports, delivery, links and the schedule. */
let h: GatewayHarness;
let hooks: WebhookReceiver;
let A: string;
let B: string;
let member: { cookie: string };
let viewer: { cookie: string };
const SECRET_TEXT = 'reports-test-secret-0123456789abcdef';
/** The server's secret as loadOrCreateSecret reads PERISCOPE_SECRET. */
const SECRET = Buffer.from(SECRET_TEXT, 'utf8');

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  h = await startGatewayHarness(undefined, {
    env: { PERISCOPE_SECRET: SECRET_TEXT },
    config: () => ({ alerts: { allow_private_targets: true }, reports: { queries_per_minute: 30 } }),
  });
  A = (await h.newProject()).project;
  B = (await h.newProject()).project;
  const now = Date.now();
  await h.server.store.insertRequests([
    makeEvent({ project_id: A, model: 'gpt-4o', cost_usd: 1.5, created_at: now - 5000 }),
    makeEvent({ project_id: A, model: 'claude', cost_usd: 2, created_at: now - 4000, user_id: 'ann, "the" admin' }),
    makeEvent({ project_id: B, model: 'other', cost_usd: 9, created_at: now - 3000 }),
  ]);
  member = await newAccount(h.url, 'member', [A]);
  viewer = await newAccount(h.url, 'viewer', [A]);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await hooks?.close();
});

const SPEND = 'SELECT model, sum(cost_usd) AS cost FROM requests WHERE created_at >= {from:DateTime} GROUP BY model ORDER BY cost DESC';

async function createReport(body: Record<string, unknown>) {
  const res = await apiRequest<{ id: string; declared_params: unknown; next_run_at: string | null; delivery: { channels: { url?: string; secret?: string }[] } }>(
    h.url, 'POST', '/api/reports', member, { project: A, ...body },
  );
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('saved reports', () => {
  it('are shared within the project: members write, viewers read and run, others see nothing', async () => {
    const report = await createReport({ name: 'Spend by model', sql: SPEND, params: { from: 'today-30d' } });
    expect(report.declared_params).toEqual([{ name: 'from', type: 'DateTime' }]);

    const listed = await apiRequest<{ data: { id: string }[] }>(h.url, 'GET', '/api/reports', viewer);
    expect(listed.body.data.map((r) => r.id)).toContain(report.id);
    const run = await apiRequest<{ data: unknown[] }>(h.url, 'POST', `/api/reports/${report.id}/run`, viewer, {});
    expect(run.body.data).toEqual([{ model: 'claude', cost: 2 }, { model: 'gpt-4o', cost: 1.5 }]);
    const future = await apiRequest<{ data: unknown[] }>(h.url, 'POST', `/api/reports/${report.id}/run`, viewer, { params: { from: 'now+1d' } });
    expect(future.body.data).toEqual([]);

    expect((await apiRequest(h.url, 'PUT', `/api/reports/${report.id}`, viewer, { name: 'x', sql: 'SELECT 1' })).status).toBe(403);
    expect((await apiRequest(h.url, 'POST', '/api/reports', viewer, { project: A, name: 'v', sql: 'SELECT 1' })).status).toBe(403);
    const outsider = await newAccount(h.url, 'member', [B]);
    expect((await apiRequest(h.url, 'GET', `/api/reports/${report.id}`, outsider)).status).toBe(404);
    expect((await apiRequest(h.url, 'POST', `/api/reports/${report.id}/run`, outsider, {})).status).toBe(404);

    expect((await apiRequest(h.url, 'POST', '/api/reports', member, { project: A, name: 'Spend by model', sql: 'SELECT 1' })).status).toBe(409);
    const renamed = await apiRequest<{ name: string }>(h.url, 'PUT', `/api/reports/${report.id}`, member, { name: 'Spend', sql: SPEND, params: { from: 'today-30d' } });
    expect(renamed.body.name).toBe('Spend');
    expect((await apiRequest(h.url, 'DELETE', `/api/reports/${report.id}`, member)).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', `/api/reports/${report.id}`, member)).status).toBe(404);
  });

  it('refuses a schedule that is not cron, or that leaves a parameter without a default', async () => {
    const bad = await apiRequest<{ error: { message: string } }>(h.url, 'POST', '/api/reports', member, {
      project: A, name: 'bad', sql: 'SELECT 1', schedule: '0 25 * * *', delivery: { channels: [{ type: 'webhook', url: hooks.url }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/schedule hour/);
    const noDefault = await apiRequest<{ error: { message: string } }>(h.url, 'POST', '/api/reports', member, {
      project: A, name: 'bad2', sql: SPEND, schedule: '0 8 * * *', delivery: { channels: [{ type: 'webhook', url: hooks.url }] },
    });
    expect(noDefault.body.error.message).toMatch(/needs a default for from/);
  });

  it('export as a download, with parameters in the URL', async () => {
    const report = await createReport({ name: 'Users', sql: 'SELECT user_id, model FROM requests WHERE model = {model:String}', params: { model: 'gpt-4o' } });
    const res = await fetch(`${h.url}/api/reports/${report.id}/export?format=csv&param.model=claude`, { headers: { cookie: member.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="Users.csv"/);
    expect(parseCsv(await res.text())).toEqual([['user_id', 'model'], ['ann, "the" admin', 'claude']]);
  });

  it('deliver to a webhook with the export attached, and by a signed link that needs no account', async () => {
    const hook = `${hooks.url}/attached`;
    const attached = await createReport({ name: 'Attached', sql: SPEND, params: { from: 'today-1d' }, delivery: { channels: [{ type: 'webhook', url: hook }], format: 'csv' } });
    const sent = await apiRequest<{ ok: boolean; rows: number }>(h.url, 'POST', `/api/reports/${attached.id}/deliver`, member, {});
    expect(sent.body).toMatchObject({ ok: true, rows: 2 });
    const [delivery] = await hooks.waitFor((r) => r.path === '/attached');
    const body = delivery!.body as { report: { name: string }; attachment: { filename: string; content: string }; link: string };
    expect(body.report.name).toBe('Attached');
    expect(parseCsv(Buffer.from(body.attachment.content, 'base64').toString())).toEqual([['model', 'cost'], ['claude', '2'], ['gpt-4o', '1.5']]);

    // The link: the same export without credentials; a changed parameter or an expired link is refused.
    const link = new URL(body.link);
    const download = await fetch(`${h.url}${link.pathname}${link.search}`);
    expect(download.status).toBe(200);
    expect(parseCsv(await download.text())).toEqual([['model', 'cost'], ['claude', '2'], ['gpt-4o', '1.5']]);
    link.searchParams.set('param.from', '2000-01-01 00:00:00');
    expect((await fetch(`${h.url}${link.pathname}${link.search}`)).status).toBe(403);
    const expired = new ReportLinks(SECRET).url(h.url, { reportId: attached.id, format: 'csv', params: {}, expires: Date.now() - 1 });
    expect((await fetch(expired)).status).toBe(403);
    expect((await fetch(new ReportLinks(SECRET).url(h.url, { reportId: attached.id, format: 'csv', params: { from: '2000-01-01 00:00:00' }, expires: Date.now() + 60_000 }))).status).toBe(200);
  });

  it('delivers by email with the export attached', async () => {
    // Plain SMTP on loopback, every message kept (TLS and auth are the alert channel's own tests).
    const raws: string[] = [];
    const server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'],
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (raws.push(Buffer.concat(chunks).toString('utf8')), cb()));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const smtp = { host: '127.0.0.1', port: (server.server.address() as { port: number }).port, starttls: 'never', from: 'reports@example.com' };
      const report = await createReport({
        name: 'Mailed', sql: SPEND, params: { from: 'today-1d' }, delivery: { channels: [{ type: 'email', to: ['finance@example.com'], smtp }], format: 'csv' },
      });
      const sent = await apiRequest<{ ok: boolean }>(h.url, 'POST', `/api/reports/${report.id}/deliver`, member, {});
      expect(sent.body.ok).toBe(true);
      expect(raws).toHaveLength(1);
      expect(raws[0]).toContain('Subject: =?UTF-8?Q?Report_=22Mailed=22?=');
      const attachment = /Content-Type: text\/csv[^]*?filename=(Mailed-[^\r\n]+\.csv)[^]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(raws[0]!);
      expect(attachment?.[1]).toMatch(/^Mailed-\d{4}-\d{2}-\d{2}T\d{4}\.csv$/);
      expect(parseCsv(Buffer.from(attachment![2]!.replace(/\r\n/g, ''), 'base64').toString())).toEqual([['model', 'cost'], ['claude', '2'], ['gpt-4o', '1.5']]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a scheduled report fires in the minute its cron names, once, to a loopback webhook', async () => {
    const hook = `${hooks.url}/scheduled`;
    // The server's own scheduler fires this every-minute report too, at the first real minute
    // after it is saved: saved early in a real minute, it is deleted again before the next (a
    // clean-clone CI run failed when it was saved just before one and the server's run came first).
    const toNextMinute = 60_000 - (Date.now() % 60_000);
    if (toNextMinute < 10_000) await sleep(toNextMinute + 100);
    const report = await createReport({
      name: 'Every minute', sql: SPEND, params: { from: 'today-1d' }, schedule: '* * * * *',
      delivery: { channels: [{ type: 'webhook', url: hook }], format: 'jsonl', attach: true },
    });
    // A scheduler of our own with a clock the test moves, over the server's store and channels.
    let now = Date.now();
    const lease: Lease = { holder: 'test', kind: 'clickhouse', ensure: async () => true, release: async () => {} };
    const scheduler = new ReportScheduler({
      store: h.server.store, lease, box: new SecretBox(SECRET), links: new ReportLinks(SECRET), config: () => ({ alerts: { allow_private_targets: true }, reports: REPORTS }) as never,
      publicUrl: () => h.url, log: { info: () => {}, warn: () => {} }, now: () => now,
    });
    const nextMinute = Math.floor(now / 60_000) * 60_000 + 60_000;
    now = nextMinute - 1000;
    await scheduler.tick();
    expect(hooks.received.filter((r) => r.path === '/scheduled')).toEqual([]);
    now = nextMinute + 100;
    await scheduler.tick();
    await scheduler.tick();
    const [delivery] = await hooks.waitFor((r) => r.path === '/scheduled');
    expect(hooks.received.filter((r) => r.path === '/scheduled')).toHaveLength(1);
    const body = delivery!.body as { run: { at: string; rows: number }; attachment: { content: string } };
    expect(body.run).toMatchObject({ at: new Date(nextMinute).toISOString(), rows: 2 });
    expect(Buffer.from(body.attachment.content, 'base64').toString()).toBe('{"model":"claude","cost":2}\n{"model":"gpt-4o","cost":1.5}\n');
    const runs = await apiRequest<{ data: { scheduled_for: string; ok: boolean }[] }>(h.url, 'GET', `/api/reports/${report.id}/runs`, member);
    expect(runs.body.data.map((r) => [r.scheduled_for, r.ok])).toContainEqual([new Date(nextMinute).toISOString(), true]);
    await apiRequest(h.url, 'DELETE', `/api/reports/${report.id}`, member);
  });

  it('the server runs its own scheduler: a report due next minute arrives within seconds of it', async () => {
    const hook = `${hooks.url}/server-scheduled`;
    const report = await createReport({
      name: 'Server minute', sql: SPEND, params: { from: 'today-1d' }, schedule: '* * * * *', delivery: { channels: [{ type: 'webhook', url: hook }], format: 'csv' },
    });
    const due = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    const [delivery] = await hooks.waitFor((r) => r.path === '/server-scheduled', 1, 80_000);
    expect((delivery!.body as { run: { at: string } }).run.at).toBe(new Date(due).toISOString());
    expect(delivery!.at - due).toBeLessThan(15_000);
    await apiRequest(h.url, 'DELETE', `/api/reports/${report.id}`, member);
  }, 100_000);
});

const REPORTS = {
  max_result_rows: 10_000, export_max_rows: 1_000_000, max_execution_seconds: 30, export_max_execution_seconds: 300,
  max_memory_bytes: 1e9, max_rows_to_read: 1e9, queries_per_minute: 60, max_attachment_bytes: 1e7, link_ttl_hours: 1,
  export_max_bytes: 1e9, exports_per_user: 2, export_min_free_disk_bytes: 0,
};

describe('the SQL console API', () => {
  it('describes the views and lists the templates, each of which runs', async () => {
    const schema = await apiRequest<{ views: { name: string; columns: { name: string }[] }[] }>(h.url, 'GET', '/api/sql/schema', viewer);
    expect(schema.body.views.map((v) => v.name)).toEqual(['requests', 'requests_1m', 'requests_1h']);
    expect(schema.body.views[0]!.columns.map((c) => c.name)).toContain('cost_usd');
    const templates = await apiRequest<{ data: { id: string; sql: string }[] }>(h.url, 'GET', '/api/reports/templates', viewer);
    expect(templates.body.data.length).toBeGreaterThanOrEqual(11);
    const latency = templates.body.data.find((t) => t.id === 'latency-by-model')!;
    const run = await apiRequest<{ data: { model: string }[] }>(h.url, 'POST', '/api/sql', viewer, { sql: latency.sql, params: { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' } });
    expect(run.body.data.map((r) => r.model).sort()).toEqual(['claude', 'gpt-4o']);
  });

  it('limits each user to queries_per_minute, and others keep theirs', async () => {
    const busy = await newAccount(h.url, 'viewer', [A]);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) statuses.push((await apiRequest(h.url, 'POST', '/api/sql', busy, { sql: 'SELECT 1' })).status);
    expect(statuses).toEqual(Array(30).fill(200));
    const limited = await apiRequest<{ error: { code: string; message: string } }>(h.url, 'POST', '/api/sql', busy, { sql: 'SELECT 1' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/at most 30 per minute; retry in \d+ s/);
    expect((await apiRequest(h.url, 'POST', '/api/sql', viewer, { sql: 'SELECT 1' })).status).toBe(200);
  });
});
