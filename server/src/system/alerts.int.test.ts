import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { verifySignature } from '@periscope/control-plane';
import { apiRequest, newAccount } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';
import { startWebhookReceiver, type ReceivedHook, type WebhookReceiver } from '@periscope/control-plane/testing';

const SECRET = 'whsec_alerts_test_0123456789';
/** The evaluator looks for due rules every second; a rule runs every INTERVAL. */
const TICK_MS = 1000;
const INTERVAL_MS = 2000;

let h: GatewayHarness;
let hook: WebhookReceiver;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  h = await startGatewayHarness(() => ({}), {
    config: () => ({
      models: {
        'spendy-a': { deployments: [{ provider: 'openai', model: 'priced-a' }] },
        'spendy-b': { deployments: [{ provider: 'openai', model: 'priced-b' }] },
        'spendy-budget': { deployments: [{ provider: 'openai', model: 'priced-a' }] },
      },
      // Expensive on purpose: a handful of calls crosses a threshold.
      pricing: { 'priced-a': { input: 1000, output: 1000 }, 'priced-b': { input: 1000, output: 1000 } },
      limits: [{ match: { project: '*', model: 'spendy-budget' }, budget_usd: { day: 1 } }],
      // The receiver listens on loopback, which the address guard refuses unless allowed.
      alerts: { allow_private_targets: true },
    }),
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await hook?.close();
});

const admin = { admin: true } as const;

async function call(key: string, model: string, n = 1): Promise<void> {
  const openai = new OpenAI({ apiKey: 'unused', baseURL: `${h.url}/v1`, maxRetries: 0, defaultHeaders: { 'Periscope-Auth': `Bearer ${key}` } });
  for (let i = 0; i < n; i++) await openai.chat.completions.create({ model, messages: [{ role: 'user', content: `spend ${i}` }] });
}

/** Cost of the project's stored calls once `count` are queryable, and when they were. */
async function stored(project: string, count: number): Promise<{ cost: number; at: number }> {
  const rows = await h.rows(project, '', count);
  expect(rows).toHaveLength(count);
  return { cost: rows.reduce((sum, r) => sum + r.cost_usd, 0), at: Date.now() };
}

async function createRule(body: Record<string, unknown>): Promise<{ id: string; version: number }> {
  const res = await apiRequest<{ id: string; version: number }>(h.url, 'POST', '/api/alerts', admin, body);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const forProject = (project: string) => (r: ReceivedHook) => r.path === `/hooks/${project}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('alert rules against traffic through the gateway', () => {
  it('fires exactly once, signed, within one interval of the spend crossing the threshold; resolves exactly once after the window', async () => {
    const { project, key } = await h.newProject();
    await call(key, 'spendy-a');
    const one = await stored(project, 1);
    expect(one.cost).toBeGreaterThan(0);
    const threshold = one.cost * 2.5;
    const rule = await createRule({
      name: 'spend spike', metric: 'cost', window: '15s', comparator: '>', threshold, filter: { model: 'spendy-a' }, group_by: null,
      min_requests: 1, interval: '2s', resolve_after: '0s', project, channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}`, secret: SECRET }],
    });

    // One call's cost is under the threshold: two evaluations go by without a word.
    await sleep(2 * INTERVAL_MS + TICK_MS);
    expect(hook.received.filter(forProject(project))).toEqual([]);

    await call(key, 'spendy-a', 2);
    const three = await stored(project, 3);
    expect(three.cost).toBeGreaterThan(threshold);
    const [firing] = await hook.waitFor(forProject(project));
    expect(firing!.at - three.at).toBeLessThanOrEqual(INTERVAL_MS + TICK_MS);

    expect(verifySignature(SECRET, firing!.raw, String(firing!.headers['periscope-signature']))).toBe(true);
    expect(verifySignature('another-secret', firing!.raw, String(firing!.headers['periscope-signature']))).toBe(false);
    expect(firing!.body).toMatchObject({ rule: 'spend spike', rule_id: rule.id, state: 'firing', threshold, group: null, window: '15s', project, test: false });
    expect(firing!.body.value as number).toBeCloseTo(three.cost, 9);
    const url = new URL(String(firing!.body.url));
    expect(url.pathname).toBe('/requests');
    expect(url.searchParams.get('model')).toBe('spendy-a');

    // Still over the threshold for a few more evaluations: no repeat.
    await sleep(2 * INTERVAL_MS + TICK_MS);
    expect(hook.received.filter(forProject(project))).toHaveLength(1);

    // No more traffic: once the first call has left the 15 s window, the spend is under the threshold again.
    const [, resolved] = await hook.waitFor(forProject(project), 2, 30_000);
    expect(resolved!.body).toMatchObject({ rule: 'spend spike', state: 'resolved', group: null, id: expect.stringContaining(':2:resolved') });
    expect(resolved!.body.value as number).toBeLessThan(threshold);
    expect(resolved!.at - one.at).toBeGreaterThanOrEqual(15_000 - 1000);
    expect(verifySignature(SECRET, resolved!.raw, String(resolved!.headers['periscope-signature']))).toBe(true);
    await sleep(2 * INTERVAL_MS + TICK_MS);
    expect(hook.received.filter(forProject(project)).map((r) => r.body.state)).toEqual(['firing', 'resolved']);

    const history = await apiRequest<{ data: Array<{ kind: string; value: number; deliveries: Array<{ ok: boolean }> | null }> }>(h.url, 'GET', `/api/alerts/${rule.id}/history`, admin);
    expect(history.body.data.map((e) => e.kind)).toEqual(['resolved', 'firing']);
    expect(history.body.data[1]!.value).toBeCloseTo(three.cost, 9);
    expect(history.body.data.map((e) => e.deliveries?.map((d) => d.ok))).toEqual([[true], [true]]);
    const listed = await apiRequest<{ data: Array<{ id: string; state: string }> }>(h.url, 'GET', `/api/alerts?project=${project}`, admin);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: rule.id, state: 'resolved' })]);
  }, 90_000);

  it('fires separately for each model of a grouped rule', async () => {
    const { project, key } = await h.newProject();
    await call(key, 'spendy-a');
    const one = await stored(project, 1);
    const rule = await createRule({
      name: 'spend per model', metric: 'cost', window: '1m', comparator: '>=', threshold: one.cost * 2.5, group_by: 'model',
      interval: '2s', project, channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}`, secret: SECRET }],
    });
    await call(key, 'spendy-a', 2);
    await call(key, 'spendy-b', 3);
    const hooks = await hook.waitFor(forProject(project), 2);
    expect(hooks.map((r) => [r.body.group, r.body.state]).sort()).toEqual([['spendy-a', 'firing'], ['spendy-b', 'firing']]);
    for (const r of hooks) {
      expect(verifySignature(SECRET, r.raw, String(r.headers['periscope-signature']))).toBe(true);
      expect(new URL(String(r.body.url)).searchParams.get('model')).toBe(r.body.group);
    }
    // One more call for spendy-b: it keeps firing, nothing new is sent.
    await call(key, 'spendy-b');
    await sleep(2 * INTERVAL_MS + TICK_MS);
    expect(hook.received.filter(forProject(project))).toHaveLength(2);
    const detail = await apiRequest<{ state: string; groups: Array<{ group: string; state: string }> }>(h.url, 'GET', `/api/alerts/${rule.id}`, admin);
    expect(detail.body.state).toBe('firing');
    expect(detail.body.groups.map((g) => g.group).sort()).toEqual(['spendy-a', 'spendy-b']);
    await apiRequest(h.url, 'DELETE', `/api/alerts/${rule.id}`, admin);
  }, 60_000);

  it('watches a configured budget per project', async () => {
    const { project, key } = await h.newProject();
    const budgets = await apiRequest<{ data: unknown[] }>(h.url, 'GET', '/api/alerts/budgets', admin);
    expect(budgets.body.data).toContainEqual({ match: { project: '*', model: 'spendy-budget' }, period: 'day', limit_usd: 1, soft_threshold: 0.8 });
    await call(key, 'spendy-budget', 2);
    const spent = await stored(project, 2);
    await createRule({
      name: 'budget watch', metric: 'budget_used', budget: { match: { project: '*', model: 'spendy-budget' }, period: 'day' },
      comparator: '>=', threshold: spent.cost / 2, interval: '2s', project, channels: [{ type: 'webhook', url: `${hook.url}/hooks/${project}` }],
    });
    const [fired] = await hook.waitFor(forProject(project));
    expect(fired!.body).toMatchObject({ rule: 'budget watch', state: 'firing', group: project, group_by: 'project', metric: 'budget_used' });
    expect(fired!.body.value as number).toBeCloseTo(spent.cost / 1, 9);
    // Without a secret the body goes unsigned.
    expect(fired!.headers['periscope-signature']).toBeUndefined();
  }, 60_000);
});

describe('the alerts API', () => {
  const body = (project: string, o: Record<string, unknown> = {}) => ({
    name: 'api rule', metric: 'error_rate', window: '5m', comparator: '>', threshold: 0.1, filter: { provider: 'openai', 'property.Team': 'search' },
    interval: '1m', project, channels: [{ type: 'webhook', url: `${hook.url}/hooks/api-${project}`, secret: SECRET }], ...o,
  });

  it('takes issue 9\'s contract as written and fills the defaults', async () => {
    const { project } = await h.newProject();
    const res = await apiRequest<Record<string, unknown>>(h.url, 'POST', '/api/alerts', admin, {
      name: 'spend spike', metric: 'cost', window: '5m', comparator: '>', threshold: 0.5, filter: { model: 'gpt-4o' }, group_by: null, min_requests: 1,
      interval: '10s', channels: [{ type: 'webhook', url: 'https://hooks.example.com/x', secret: 's3cret' }], project,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'spend spike', metric: 'cost', aggregation: 'sum', window: '5m', comparator: '>', threshold: 0.5, filter: { model: 'gpt-4o' }, group_by: null,
      min_requests: 1, interval: '10s', resolve_after: '10s', renotify: '4h', severity: 'warning', enabled: true, version: 1, project,
      created_by: 'admin token', updated_by: 'admin token', state: 'ok', groups: [],
      channels: [{ type: 'webhook', url: 'https://hooks.example.com/x', secret: '********' }],
    });
    expect(res.text).not.toContain('s3cret');
  });

  it('refuses bad rules with the field named', async () => {
    const { project } = await h.newProject();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ comparator: '=>' }, /comparator must be one of/],
      [{ window: '5 minutes' }, /window must be a duration/],
      [{ window: '31d' }, /window must be from/],
      [{ metric: 'vibes' }, /metric must be one of/],
      [{ threshold: 'high' }, /threshold must be a number/],
      [{ filter: { colour: 'red' } }, /filter has unknown field colour/],
      [{ filter: { status_class: 'x' } }, /status_class must be an integer/],
      [{ group_by: 'session_id' }, /group_by must be one of/],
      [{ treshold: 1 }, /unknown field treshold/],
      [{ channels: [{ type: 'webhook', url: 'ftp://x' }] }, /channels\[0\]\.url must be an http/],
      [{ channels: [{ type: 'email', to: ['not-an-address'] }] }, /channels\[0\]\.to\[0\] must be an email address/],
      [{ metric: 'budget_used', budget: { match: { project: 'nope' }, period: 'day' }, filter: {} }, /no budget in the config/],
      [{ aggregation: 'p99' }, /aggregation must be one of rate/],
    ];
    for (const [change, message] of cases) {
      const res = await apiRequest<{ error: { code: string; message: string } }>(h.url, 'POST', '/api/alerts', admin, body(project, change));
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
  });

  it('masks secrets, keeps them through an update, versions every change, and deletes', async () => {
    const { project } = await h.newProject();
    const created = await createRule(body(project, { channels: [
      { type: 'webhook', url: `${hook.url}/hooks/api-${project}`, secret: SECRET },
      { type: 'slack', url: `${hook.url}/slack/T000/B000/very-secret-path` },
      { type: 'email', to: 'ops@example.com', smtp: { host: 'smtp.example.com', from: 'alerts@example.com', user: 'u', password: 'smtp-password' } },
    ] }));
    const read = await apiRequest<Record<string, unknown> & { channels: unknown[] }>(h.url, 'GET', `/api/alerts/${created.id}`, admin);
    expect(read.body.channels).toEqual([
      { type: 'webhook', url: `${hook.url}/hooks/api-${project}`, secret: '********' },
      { type: 'slack', url: `${hook.url}/********` },
      { type: 'email', to: ['ops@example.com'], smtp: expect.objectContaining({ host: 'smtp.example.com', password: '********', port: 587, starttls: 'opportunistic' }) },
    ]);
    for (const secret of [SECRET, 'very-secret-path', 'smtp-password']) expect(read.text).not.toContain(secret);

    // Sent back as read (masked), with a new threshold: the secrets stay.
    const updated = await apiRequest<{ version: number; threshold: number }>(h.url, 'PUT', `/api/alerts/${created.id}`, admin, { ...read.body, threshold: 0.2, channels: read.body.channels.slice(0, 1) });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, threshold: 0.2 });
    const stale = await apiRequest(h.url, 'PUT', `/api/alerts/${created.id}`, admin, { ...read.body, version: 1 });
    expect(stale.status).toBe(409);

    const test = await apiRequest<{ deliveries: Array<{ ok: boolean; channel: string }> }>(h.url, 'POST', `/api/alerts/${created.id}/test`, admin);
    expect(test.body.deliveries).toEqual([expect.objectContaining({ channel: 'webhook', ok: true })]);
    const [sent] = await hook.waitFor((r) => r.path === `/hooks/api-${project}`);
    expect(sent!.body).toMatchObject({ test: true, rule: 'api rule', threshold: 0.2 });
    expect(verifySignature(SECRET, sent!.raw, String(sent!.headers['periscope-signature']))).toBe(true);

    const versions = await apiRequest<{ data: Array<{ version: number; threshold: number }> }>(h.url, 'GET', `/api/alerts/${created.id}/versions`, admin);
    expect(versions.body.data.map((v) => [v.version, v.threshold])).toEqual([[2, 0.2], [1, 0.1]]);
    const history = await apiRequest<{ data: Array<{ kind: string }> }>(h.url, 'GET', `/api/alerts/${created.id}/history`, admin);
    expect(history.body.data.map((e) => e.kind)).toEqual(['test']);

    expect((await apiRequest(h.url, 'DELETE', `/api/alerts/${created.id}`, admin)).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', `/api/alerts/${created.id}`, admin)).status).toBe(404);
    const listed = await apiRequest<{ data: unknown[] }>(h.url, 'GET', `/api/alerts?project=${project}`, admin);
    expect(listed.body.data).toEqual([]);
  });

  it('lets a project\'s members manage its rules and viewers read them; others do not see them; rules on every project are an admin\'s', async () => {
    const { project } = await h.newProject();
    const { project: other } = await h.newProject();
    const member = await newAccount(h.url, 'member', [project]);
    const viewer = await newAccount(h.url, 'viewer', [project]);
    const outsider = await newAccount(h.url, 'member', [other]);
    const created = await apiRequest<{ id: string; created_by: string }>(h.url, 'POST', '/api/alerts', member, body(project));
    expect(created.status, created.text).toBe(201);
    expect(created.body.created_by).toBe(member.email);
    const id = created.body.id;

    expect((await apiRequest(h.url, 'POST', '/api/alerts', viewer, body(project))).status).toBe(403);
    expect((await apiRequest(h.url, 'GET', `/api/alerts/${id}`, viewer)).status).toBe(200);
    expect((await apiRequest(h.url, 'GET', `/api/alerts/${id}/history`, viewer)).status).toBe(200);
    expect((await apiRequest(h.url, 'DELETE', `/api/alerts/${id}`, viewer)).status).toBe(403);
    expect((await apiRequest(h.url, 'POST', `/api/alerts/${id}/test`, viewer)).status).toBe(403);
    for (const [method, path] of [['GET', `/api/alerts/${id}`], ['PUT', `/api/alerts/${id}`], ['DELETE', `/api/alerts/${id}`], ['GET', `/api/alerts/${id}/history`], ['POST', `/api/alerts/${id}/test`]] as const) {
      expect((await apiRequest(h.url, method, path, outsider, method === 'PUT' ? body(project) : undefined)).status, `${method} ${path}`).toBe(404);
    }
    expect((await apiRequest(h.url, 'POST', '/api/alerts', outsider, body(project))).status).toBe(404);
    const outsiderList = await apiRequest<{ data: Array<{ id: string }> }>(h.url, 'GET', '/api/alerts', outsider);
    expect(outsiderList.body.data.map((r) => r.id)).not.toContain(id);
    // Moving a rule to another project needs write access there too.
    expect((await apiRequest(h.url, 'PUT', `/api/alerts/${id}`, member, body(other))).status).toBe(404);

    expect((await apiRequest(h.url, 'POST', '/api/alerts', member, body(project, { project: null }))).status).toBe(403);
    const everywhere = await apiRequest<{ id: string; project: null }>(h.url, 'POST', '/api/alerts', admin, body(project, { project: null }));
    expect(everywhere.body.project).toBeNull();
    expect((await apiRequest(h.url, 'GET', `/api/alerts/${everywhere.body.id}`, member)).status).toBe(404);
    const adminList = await apiRequest<{ data: Array<{ id: string }> }>(h.url, 'GET', '/api/alerts', admin);
    expect(adminList.body.data.map((r) => r.id)).toEqual(expect.arrayContaining([id, everywhere.body.id]));
    await apiRequest(h.url, 'DELETE', `/api/alerts/${everywhere.body.id}`, admin);
  });

  it('previews a rule\'s value per group now', async () => {
    const { project, key } = await h.newProject();
    await call(key, 'spendy-a', 2);
    const spent = await stored(project, 2);
    const res = await apiRequest<{ groups: Array<{ group: string; value: number; requests: number; breaching: boolean }> }>(h.url, 'POST', '/api/alerts/preview', admin, {
      name: 'preview', metric: 'cost', window: '1h', comparator: '>', threshold: spent.cost / 2, group_by: 'model', project,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.groups).toEqual([{ group: 'spendy-a', value: expect.closeTo(spent.cost, 9), requests: 2, breaching: true }]);
  });
});
